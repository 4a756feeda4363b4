package dev.mft.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    @TempDir
    Path out;

    private Path save(CheckpointStore store, int step) throws IOException {
        return store.save(step, dir -> {
            Files.writeString(dir.resolve("weights.bin"), "weights of step " + step);
            Files.createDirectories(dir.resolve("model"));
            Files.writeString(dir.resolve("model/config.json"), "{}");
            new TrainerState(step, 0, step, 10L * step, OptionalDouble.empty(), OptionalInt.empty()).write(dir);
        });
    }

    private List<String> names() throws IOException {
        try (var l = Files.list(out)) {
            return l.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void savedCheckpointVerifiesAndRoundTripsItsState() throws Exception {
        CheckpointStore store = new CheckpointStore(out);
        Path p = save(store, 20);
        assertEquals(out.resolve("checkpoint-20"), p);
        CheckpointManifest.verify(p);
        TrainerState s = TrainerState.read(p);
        assertEquals(20, s.globalStep());
        assertEquals(200L, s.tokens());
        assertEquals(List.of("checkpoint-20"), names()); // no temp folder left behind
    }

    @Test
    void truncatedOrHalfWrittenCheckpointIsSkippedWithAWarning() throws Exception {
        CheckpointStore store = new CheckpointStore(out);
        save(store, 10);
        Path newest = save(store, 20);
        // truncate a file of the newest checkpoint, as a crash mid-copy would
        Files.writeString(newest.resolve("weights.bin"), "weights of st");
        // and a folder with a real name but no manifest (written by hand or by another tool)
        Files.createDirectories(out.resolve("checkpoint-30"));
        Files.writeString(out.resolve("checkpoint-30/weights.bin"), "x");
        List<String> warnings = new ArrayList<>();
        Optional<Path> latest = store.latest(warnings::add);
        assertEquals(Optional.of(out.resolve("checkpoint-10")), latest);
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("checkpoint-30") && warnings.get(0).contains("manifest.json"),
                warnings.get(0));
        assertTrue(warnings.get(1).contains("checkpoint-20/weights.bin") && warnings.get(1).contains("size 13"),
                warnings.get(1));
    }

    @Test
    void savingLimitKeepsTheNewestAndTheBest() throws Exception {
        CheckpointStore store = new CheckpointStore(out);
        for (int step = 10; step <= 50; step += 10) {
            save(store, step);
            store.prune(2, Optional.of(out.resolve("checkpoint-20")));
        }
        Files.createDirectories(out.resolve("checkpoint-60.tmp-123")); // leftover of a crash
        store.prune(2, Optional.of(out.resolve("checkpoint-20")));
        assertEquals(List.of("checkpoint-20", "checkpoint-40", "checkpoint-50"), names());
        store.prune(1, Optional.empty());
        assertEquals(List.of("checkpoint-50"), names());
        assertFalse(Files.exists(out.resolve("checkpoint-60.tmp-123")));
    }
}
