package dev.mft.distributed.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.core.checkpoint.TrainerState;
import dev.mft.distributed.LocalGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rank saves its shards; a run of the same or another world size and stage resumes exactly from them. */
class ZeroCheckpointTest {
    private static final TrainerState AFTER_TWO_STEPS = new TrainerState(2, 0, 2 * TinyTraining.ACCUMULATION, 0,
            OptionalDouble.empty(), OptionalInt.empty());

    private static void saveAfterTwoSteps(Path dir, int world, ZeroSettings zero) throws Exception {
        LocalGroup.run(world, (rank, c) -> {
            try (TinyTraining.Run run = new TinyTraining.Run(TinyTraining.Mode.FULL, false, c, zero)) {
                assertEquals(AFTER_TWO_STEPS.globalStep(), run.train(TrainerState.start(), 2).globalStep());
                ZeroCheckpoint.save(dir, (ZeroStrategy) run.strategy, rank, world);
                return null;
            }
        });
    }

    private static TinyTraining.Result resume(Path dir, int world, ZeroSettings zero) throws Exception {
        return LocalGroup.run(world, (rank, c) -> {
            try (TinyTraining.Run run = new TinyTraining.Run(TinyTraining.Mode.FULL, false, c, zero)) {
                ZeroCheckpoint.load(dir, (ZeroStrategy) run.strategy);
                run.train(AFTER_TWO_STEPS, TinyTraining.STEPS);
                return run.result();
            }
        }).get(0);
    }

    @Test
    void resumingWithTheSameOrAnotherWorldSizeContinuesTheUninterruptedRun(@TempDir Path dir) throws Exception {
        TinyTraining.Result uninterrupted = TinyTraining.train(TinyTraining.Mode.FULL, false, null, null, null);
        saveAfterTwoSteps(dir, 2, new ZeroSettings(3, 200, 1_000_000, 0));
        assertTrue(Files.exists(dir.resolve("zero/rank_0_of_2.safetensors")));
        assertTrue(Files.exists(dir.resolve("zero/rank_1_of_2.safetensors")));

        for (int world : new int[] {2, 3}) {
            for (int stage : new int[] {1, 3}) {
                TinyTraining.Result resumed = resume(dir, world, new ZeroSettings(stage, 200, 1_000_000, 0));
                List<Double> lastLoss = uninterrupted.losses().subList(2, 3);
                TinyTraining.Result expected = new TinyTraining.Result(lastLoss, uninterrupted.weights());
                StrategyEquivalenceTest.assertClose(expected, new TinyTraining.Result(resumed.losses(),
                        resumed.weights()), false);
            }
        }
    }

    @Test
    void consolidationRebuildsTheWholeTensors(@TempDir Path dir) throws Exception {
        TinyTraining.Result twoSteps;
        try (TinyTraining.Run single = new TinyTraining.Run(TinyTraining.Mode.FULL, false, null, null)) {
            single.train(TrainerState.start(), 2);
            twoSteps = single.result();
        }
        saveAfterTwoSteps(dir, 3, new ZeroSettings(2, 200, 1_000_000, 0));
        Map<String, ZeroCheckpoint.Whole> whole = ZeroCheckpoint.consolidate(dir);
        assertEquals(twoSteps.weights().keySet(), whole.keySet());
        assertArrayEquals(new long[] {TinyTraining.VOCAB, 16}, whole.get("model.embed_tokens.weight").shape());
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        whole.forEach((k, v) -> values.put(k, v.values()));
        StrategyEquivalenceTest.assertClose(new TinyTraining.Result(List.of(), twoSteps.weights()),
                new TinyTraining.Result(List.of(), values), false);
    }

    @Test
    void aCheckpointMissingARanksFileIsRefusedNamingWhatIsMissing(@TempDir Path dir) throws Exception {
        saveAfterTwoSteps(dir, 2, new ZeroSettings(1, 200, 1_000_000, 0));
        Files.delete(dir.resolve("zero/rank_1_of_2.safetensors"));
        IOException e = assertThrows(IOException.class, () -> ZeroCheckpoint.consolidate(dir));
        assertTrue(e.getMessage().contains("is in no rank's file; the checkpoint is incomplete"), e.getMessage());
    }
}
