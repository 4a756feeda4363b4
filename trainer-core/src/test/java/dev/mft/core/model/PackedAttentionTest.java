package dev.mft.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.TokenBatch;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Packing with isolation: three examples packed into one row (positions restarting, attention block-diagonal) give
 * the same per-example losses as the same examples one per padded row, through the whole model (fp32, 1e-5).
 */
class PackedAttentionTest {

    private static final int X = TokenBatch.IGNORE;
    private static final ModelConfig CONFIG = TinyModels.llama(50, 32, 2, 4, 2, 48);
    private static final int[] LENGTHS = {5, 3, 4};

    @ParameterizedTest
    @EnumSource(LlamaModel.Attention.class)
    void packedAndUnpackedExamplesHaveTheSameLosses(LlamaModel.Attention attention) {
        TorchRuntime.start();
        SplittableRandom rng = new SplittableRandom(5);
        int[][] ids = new int[LENGTHS.length][];
        int[][] labels = new int[LENGTHS.length][];
        for (int e = 0; e < LENGTHS.length; e++) {
            ids[e] = rng.ints(LENGTHS[e], 1, 50).toArray();
            labels[e] = ids[e].clone();
            labels[e][0] = X; // never predicted
        }
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelWeights.random(CONFIG, 3, 0.3, root, Device.cpu());
            LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                    LinearFactory.dense(), attention);

            double[] unpacked = perExample(model, root, unpacked(ids, labels));
            TokenBatch packed = packed(ids, labels);
            double[] isolated = perExample(model, root, packed);

            for (int e = 0; e < LENGTHS.length; e++) {
                assertEquals(unpacked[e], isolated[e], 1e-5, "example " + e);
            }
            // the mask is what makes them equal: without it the later samples see the earlier ones
            double[] leaky = perExampleWithoutMask(model, root, packed);
            assertTrue(Math.abs(leaky[1] - unpacked[1]) > 1e-3, "example 1 without the mask: " + leaky[1]);
            assertEquals(unpacked[0], leaky[0], 1e-5); // the first sample sees nothing before it either way
        }
    }

    /** One example per row, right-padded with id 0. */
    private static TokenBatch unpacked(int[][] ids, int[][] labels) {
        int rows = ids.length;
        int cols = 5;
        int[] in = new int[rows * cols];
        int[] lab = new int[rows * cols];
        int[] pos = new int[rows * cols];
        int[] sample = new int[rows * cols];
        Arrays.fill(lab, X);
        Arrays.fill(sample, -1);
        long real = 0;
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < cols; t++) {
                pos[r * cols + t] = t;
                if (t < ids[r].length) {
                    in[r * cols + t] = ids[r][t];
                    lab[r * cols + t] = labels[r][t];
                    sample[r * cols + t] = r;
                    real++;
                }
            }
        }
        return new TokenBatch(rows, cols, in, lab, pos, real, sample, new int[rows]);
    }

    /** All examples in one row of 12, positions restarting per example. */
    private static TokenBatch packed(int[][] ids, int[][] labels) {
        int cols = 12;
        int[] in = new int[cols];
        int[] lab = new int[cols];
        int[] pos = new int[cols];
        int[] sample = new int[cols];
        int at = 0;
        for (int e = 0; e < ids.length; e++) {
            for (int t = 0; t < ids[e].length; t++, at++) {
                in[at] = ids[e][t];
                lab[at] = labels[e][t];
                pos[at] = t;
                sample[at] = e;
            }
        }
        return new TokenBatch(1, cols, in, lab, pos, cols, sample, new int[ids.length]);
    }

    /** Summed CE of each sample's trained tokens. */
    private static double[] perExample(LlamaModel model, NDManager root, TokenBatch b) {
        try (NDManager m = root.newSubManager()) {
            NDArray logits = model.forward(BatchArrays.ids(m, b, Device.cpu()), BatchArrays.positions(m, b, Device.cpu()),
                    b.maxPosition(), BatchArrays.sampleIdsIfPacked(m, b, Device.cpu()));
            return sums(b, CausalLmLoss.tokenLosses(logits, b).toFloatArray());
        }
    }

    private static double[] perExampleWithoutMask(LlamaModel model, NDManager root, TokenBatch b) {
        try (NDManager m = root.newSubManager()) {
            NDArray logits = model.forward(BatchArrays.ids(m, b, Device.cpu()), BatchArrays.positions(m, b, Device.cpu()),
                    b.maxPosition(), (NDArray) null);
            return sums(b, CausalLmLoss.tokenLosses(logits, b).toFloatArray());
        }
    }

    private static double[] sums(TokenBatch b, float[] losses) {
        double[] out = new double[LENGTHS.length];
        int[] owner = b.targetSamples();
        for (int p = 0; p < losses.length; p++) {
            if (owner[p] >= 0) {
                out[owner[p]] += losses[p];
            }
        }
        return out;
    }
}
