package dev.mft.cli.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where results go, how often checkpoints are written and how a run resumes.
 *
 * @param outputDir folder for checkpoints and the final model or adapter (absolute)
 * @param checkpointingSteps optimizer steps between checkpoints
 * @param epochCheckpointing also checkpoint at the end of every epoch
 * @param savingLimit keep at most this many checkpoints; empty = keep all
 * @param resumeFromCheckpoint checkpoint to resume from (absolute); empty = see {@code autoResume}
 * @param autoResume resume from the newest checkpoint in {@code outputDir} when there is one
 */
public record CheckpointConfig(
        Path outputDir,
        int checkpointingSteps,
        boolean epochCheckpointing,
        OptionalInt savingLimit,
        Optional<Path> resumeFromCheckpoint,
        boolean autoResume) {

    public CheckpointConfig {
        Checks.present("output_dir", outputDir);
        Checks.positive("checkpointing_steps", checkpointingSteps);
        Objects.requireNonNull(savingLimit, "saving_limit");
        savingLimit.ifPresent(limit -> Checks.positive("saving_limit", limit));
        Objects.requireNonNull(resumeFromCheckpoint, "resume_from_checkpoint");
    }
}
