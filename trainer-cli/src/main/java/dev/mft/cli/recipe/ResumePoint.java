package dev.mft.cli.recipe;

import dev.mft.cli.config.CheckpointConfig;
import dev.mft.core.checkpoint.CheckpointManifest;
import dev.mft.core.checkpoint.CheckpointStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which checkpoint a run resumes from: {@code resume_from_checkpoint} (a folder, or "latest"), else with
 * {@code auto_resume} the newest complete checkpoint in output_dir, else none. Layout of a checkpoint folder:
 * {@code model/} (HF folder, fp32), {@code optimizer.safetensors}, {@code trainer_state.json}, {@code manifest.json}.
 */
final class ResumePoint {
    static final String MODEL = "model";
    static final String OPTIMIZER = "optimizer.safetensors";

    private ResumePoint() {}

    static Optional<Path> find(CheckpointConfig c, CheckpointStore store, PrintStream out) throws IOException {
        if (c.resumeFromCheckpoint().isPresent()) {
            Path p = c.resumeFromCheckpoint().get();
            if (p.getFileName().toString().equals("latest") && !Files.exists(p)) {
                Optional<Path> latest = store.latest(out::println);
                if (latest.isEmpty()) {
                    throw new IllegalArgumentException("resume_from_checkpoint \"latest\": no complete checkpoint in "
                            + c.outputDir());
                }
                return latest;
            }
            if (!Files.isDirectory(p)) {
                throw new java.nio.file.NoSuchFileException(p.toString(), null,
                        "resume_from_checkpoint must be a checkpoint-<step> folder or \"latest\"");
            }
            CheckpointManifest.verify(p); // an explicit choice that is damaged is an error, not a silent fallback
            return Optional.of(p);
        }
        return c.autoResume() ? store.latest(out::println) : Optional.empty();
    }
}
