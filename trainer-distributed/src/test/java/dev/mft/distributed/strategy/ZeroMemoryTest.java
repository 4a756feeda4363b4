package dev.mft.distributed.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.distributed.LocalGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bytes each rank really holds (measured from the tensors' storages) against the ZeRO paper's per-rank memory for
 * fp32 training with Adam (params 4 bytes, gradients 4, moments 8 per parameter): stage 0 16 Psi, stage 1 8 Psi + 8
 * Psi / N, stage 2 4 Psi + 12 Psi / N, stage 3 16 Psi / N. Measured between layers of the forward, where stage 2/3
 * hold no layer's gradients and stage 3 no layer's weights.
 */
class ZeroMemoryTest {
    /**
     * Parameters of {@link TinyTraining#config}, counted by hand: embedding and lm_head 40 x 16 each, final norm 16;
     * per layer two norms (2 x 16), q and o 16 x 16, k and v 8 x 16 (2 kv heads of 4), gate/up/down 3 x 24 x 16.
     */
    private static final long PSI = 2 * 40 * 16 + 16 + 2 * (2 * 16 + 2 * 256 + 2 * 128 + 3 * 384);
    /** Each bucket is padded to a multiple of N: at most N-1 elements each, 21 tensors = at most 21 buckets. */
    private static final long PADDING_PER_RANK = 21 * 4;

    @ParameterizedTest(name = "stage {0}, world {1}")
    @CsvSource({"0, 2", "1, 2", "2, 2", "3, 2", "1, 3", "2, 3", "3, 4"})
    void eachRankHoldsWhatTheZeroPaperSays(int stage, int world) throws Exception {
        ZeroSettings zero = new ZeroSettings(stage, 200, 0, 0); // no prefetch: nothing in flight between layers
        List<List<MemoryReport>> seen = LocalGroup.run(world, (rank, c) -> {
            List<MemoryReport> reports = new ArrayList<>();
            AtomicReference<MemoryReport> end = new AtomicReference<>();
            TinyTraining.train(TinyTraining.Mode.FULL, false, c, zero, s -> {
                if (s instanceof ZeroStrategy z) {
                    z.onBetweenLayers(() -> reports.add(z.memory()));
                }
            }, s -> end.set(s instanceof ZeroStrategy z ? z.memory() : ((Ddp) s).memory()));
            if (stage < 2) {
                reports.add(end.get()); // no layer-wise phases: measured after training
            }
            return reports;
        });
        assertEquals(16 * PSI, 4 * PSI + 4 * PSI + 8 * PSI);
        long params = stage == 3 ? 4 * PSI / world : 4 * PSI;
        long grads = stage >= 2 ? 4 * PSI / world : 4 * PSI;
        long moments = stage >= 1 ? 8 * PSI / world : 8 * PSI;
        for (List<MemoryReport> reports : seen) {
            assertFalse(reports.isEmpty());
            // stages 1-3 pad each bucket to a multiple of N (flat buffers hold it, shards may)
            long padding = stage == 0 ? 0 : PADDING_PER_RANK * (world - 1);
            for (MemoryReport r : reports) {
                assertWithin(params, r.parameterBytes(), padding, "parameter bytes", stage, world);
                assertWithin(grads, r.gradientBytes(), padding, "gradient bytes", stage, world);
                // moments cover only real elements: a rank with more padding holds a little less
                assertWithin(moments, r.optimizerBytes(), 2 * padding, "optimizer bytes", stage, world);
            }
        }
    }

    @ParameterizedTest(name = "world {0}")
    @CsvSource({"2", "4"})
    void stage3WithPrefetchHoldsAtMostTheNextLayerMore(int world) throws Exception {
        ZeroSettings zero = new ZeroSettings(3, 200, 1_000_000, 0);
        long largestModule = 4 * (2 * 16 + 2 * 256 + 2 * 128 + 3 * 384); // one decoder layer, in bytes
        List<List<MemoryReport>> seen = LocalGroup.run(world, (rank, c) -> {
            List<MemoryReport> reports = new ArrayList<>();
            TinyTraining.train(TinyTraining.Mode.FULL, false, c, zero,
                    s -> ((ZeroStrategy) s).onBetweenLayers(() -> reports.add(((ZeroStrategy) s).memory())));
            return reports;
        });
        for (List<MemoryReport> reports : seen) {
            long max = reports.stream().mapToLong(MemoryReport::parameterBytes).max().orElseThrow();
            assertTrue(max <= 4 * PSI / world + PADDING_PER_RANK * (world - 1) + largestModule,
                    "held " + max + " bytes of parameters between layers");
            assertTrue(max < 4 * PSI, "far less than the whole model (" + 4 * PSI + " bytes): " + max);
        }
    }

    private static void assertWithin(long expected, long measured, long slack, String what, int stage, int world) {
        assertTrue(Math.abs(measured - expected) <= slack, "stage " + stage + ", world " + world + ": "
                + what + " " + measured + ", ZeRO formula " + expected + " (padding: +/- " + slack + ")");
    }
}
