package dev.mft.distributed.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.distributed.LocalGroup;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * N ranks x b rows must compute exactly what 1 rank x N*b rows computes: same loss every step, same final weights
 * (fp32, 1e-5 relative), for every ZeRO stage, full fine-tuning and LoRA.
 */
class StrategyEquivalenceTest {

    @ParameterizedTest(name = "stage {0}, world {1}, {2}, tied embeddings {3}")
    @CsvSource({
        "0, 2, FULL, false", "1, 2, FULL, false", "2, 2, FULL, false", "3, 2, FULL, false",
        "0, 4, FULL, false", "1, 4, FULL, false", "2, 4, FULL, false", "3, 4, FULL, false",
        "0, 2, LORA, false", "1, 2, LORA, false", "2, 2, LORA, false", "3, 2, LORA, false",
        "0, 4, LORA, false", "1, 4, LORA, false", "2, 4, LORA, false", "3, 4, LORA, false",
        // the head reuses the embedding (qwen2-style): its gradient comes from both ends of the model
        "2, 3, FULL, true", "3, 3, FULL, true"})
    void ranksTogetherEqualOneProcessWithTheGlobalBatch(int stage, int world, TinyTraining.Mode mode, boolean tied)
            throws Exception {
        TinyTraining.Result single = TinyTraining.train(mode, tied, null, null, null);
        // tiny buckets and no persistence threshold, so every tensor really is split and bucketed
        ZeroSettings zero = new ZeroSettings(stage, 200, 1_000_000, 0);
        List<TinyTraining.Result> ranks = LocalGroup.run(world, (rank, c) ->
                TinyTraining.train(mode, tied, c, zero, null));
        for (TinyTraining.Result r : ranks) {
            assertClose(single, r, true);
        }
    }

    /** Same losses and weights within 1e-5 relative; {@code learns}: the losses must also fall. */
    static void assertClose(TinyTraining.Result expected, TinyTraining.Result actual, boolean learns) {
        assertEquals(expected.losses().size(), actual.losses().size());
        for (int i = 0; i < expected.losses().size(); i++) {
            double e = expected.losses().get(i);
            assertEquals(e, actual.losses().get(i), 1e-5 * Math.abs(e), "loss of step " + (i + 1));
        }
        if (learns) {
            assertTrue(expected.losses().get(0) > expected.losses().get(expected.losses().size() - 1),
                    "the run must learn something, or equal weights prove little: " + expected.losses());
        }
        for (Map.Entry<String, float[]> e : expected.weights().entrySet()) {
            float[] want = e.getValue();
            float[] got = actual.weights().get(e.getKey());
            double maxAbs = 0;
            double maxDiff = 0;
            for (int i = 0; i < want.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(want[i]));
                maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
            }
            assertTrue(maxDiff <= 1e-5 * maxAbs, e.getKey() + ": max |diff| " + maxDiff + " > 1e-5 * max |w| "
                    + maxAbs);
        }
    }
}
