package dev.mft.core.checkpoint;

import dev.mft.core.io.AtomicFolders;
import dev.mft.core.io.IOExceptionConsumer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code output_dir/checkpoint-<step>/} folders of a run: each is filled in a temp folder, sealed with a
 * manifest and renamed into place, so a crash never leaves a half checkpoint under a real name; the newest complete
 * one is found on resume, skipping damaged ones with a warning; old ones are pruned only after a newer one is complete.
 */
public final class CheckpointStore {
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");

    private final Path outputDir;

    public CheckpointStore(Path outputDir) {
        this.outputDir = outputDir;
    }

    /** The folder a step's checkpoint has once complete. */
    public Path folder(int step) {
        return outputDir.resolve("checkpoint-" + step);
    }

    /** Writes checkpoint {@code step}: {@code contents} fills a temp folder, then manifest, then atomic rename. */
    public Path save(int step, IOExceptionConsumer<Path> contents) throws IOException {
        Files.createDirectories(outputDir);
        Path tmp = Files.createTempDirectory(outputDir, "checkpoint-" + step + ".tmp-");
        try {
            contents.accept(tmp);
            return seal(step, tmp);
        } catch (IOException | RuntimeException e) {
            AtomicFolders.deleteTree(tmp);
            throw e;
        }
    }

    /**
     * The temp folder several processes fill together for checkpoint {@code step} (a name they can all compute); it
     * is emptied first. Only one process calls this, before the others write into it.
     */
    public Path sharedTemp(int step) throws IOException {
        Path tmp = outputDir.resolve("checkpoint-" + step + ".tmp-ranks");
        AtomicFolders.deleteTree(tmp);
        return Files.createDirectories(tmp);
    }

    /** Seals a filled temp folder as checkpoint {@code step}: manifest last, then the atomic rename. */
    public Path seal(int step, Path filledTemp) throws IOException {
        Path target = folder(step);
        CheckpointManifest.write(filledTemp);
        if (Files.exists(target)) {
            AtomicFolders.deleteTree(target); // a re-run of the same step after a resume: the new one replaces it
        }
        Files.move(filledTemp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** Complete checkpoints, newest first (damaged ones reported to {@code warn} and left out). */
    public List<Path> complete(Consumer<String> warn) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : byStepDescending()) {
            try {
                CheckpointManifest.verify(p);
                out.add(p);
            } catch (CorruptCheckpointException e) {
                warn.accept("skipping damaged checkpoint: " + e.getMessage());
            }
        }
        return out;
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> latest(Consumer<String> warn) throws IOException {
        return complete(warn).stream().findFirst();
    }

    /**
     * Keeps the newest {@code limit} complete checkpoints plus {@code keep} (the best by eval loss); deletes the other
     * complete ones and leftover temp folders. Damaged folders are left for the user to inspect.
     */
    public void prune(int limit, Optional<Path> keep) throws IOException {
        List<Path> complete = complete(msg -> { });
        for (int i = limit; i < complete.size(); i++) {
            Path p = complete.get(i);
            if (keep.isEmpty() || !keep.get().equals(p)) {
                AtomicFolders.deleteTree(p);
            }
        }
        try (var list = Files.list(outputDir)) {
            for (Path p : list.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+\\.tmp-.*")).toList()) {
                AtomicFolders.deleteTree(p);
            }
        }
    }

    /** The step number of a checkpoint folder name, if it is one. */
    public static OptionalInt stepOf(Path folder) {
        Matcher m = NAME.matcher(folder.getFileName().toString());
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    private List<Path> byStepDescending() throws IOException {
        if (!Files.isDirectory(outputDir)) {
            return List.of();
        }
        try (var list = Files.list(outputDir)) {
            return list.filter(Files::isDirectory).filter(p -> stepOf(p).isPresent())
                    .sorted(Comparator.comparingInt((Path p) -> stepOf(p).getAsInt()).reversed()).toList();
        }
    }
}
