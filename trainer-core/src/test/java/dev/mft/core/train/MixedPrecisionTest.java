package dev.mft.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.model.TinyModels;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** bf16 compute with fp32 master weights: it trains, and tracks the fp32 run closely. */
class MixedPrecisionTest {
    private static final ModelConfig CONFIG = TinyModels.llama(40, 32, 2, 4, 2, 48);

    private static List<StepMetrics> run(TorchDType compute) {
        return run(compute, null);
    }

    private static List<StepMetrics> run(TorchDType compute, dev.mft.core.optim.LossScaler scaler) {
        TorchRuntime.start();
        List<TokenBatch> batches = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < 4; i++) {
            int[] ids = new int[4 * 16];
            int[] labels = new int[ids.length];
            for (int r = 0; r < 4; r++) {
                int start = rng.nextInt(40);
                for (int t = 0; t < 16; t++) {
                    ids[r * 16 + t] = (start + 3 * t) % 40;
                    labels[r * 16 + t] = t < 2 ? TokenBatch.IGNORE : ids[r * 16 + t];
                }
            }
            batches.add(TokenBatch.unpadded(4, 16, ids, labels));
        }
        List<StepMetrics> metrics = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(CONFIG, 2, 0.1, root, Device.cpu())) {
            var params = w.trainAll();
            LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                    LinearFactory.dense(compute), LlamaModel.Attention.SDPA, compute);
            AdamW opt = new AdamW(params, new AdamW.Settings(0.9, 0.999, 1e-8, 0.0), root);
            new Trainer(model, opt, new LrSchedule(LrSchedule.Type.CONSTANT, 3e-3, 0, 0, 20),
                    new TrainerSettings(5, 20, 1, 1.0, 1), metrics::add, root, Device.cpu(), scaler)
                    .train(new TrainingData() {
                        @Override
                        public int batchesPerEpoch() {
                            return batches.size();
                        }

                        @Override
                        public List<TokenBatch> epoch(int epoch) {
                            return batches;
                        }
                    });
            // no per-step cast copy stayed on the weights' manager (it would grow every step)
            assertEquals(w.tensors().size(), resourceCount(w.manager()), "arrays on the weights' manager");
            // the masters stay fp32
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, w.tensors().values().iterator().next().getDataType());
        }
        return metrics;
    }

    @Test
    void bf16TrainingLowersTheLossAndStaysWithinTwoPercentOfFp32() {
        List<StepMetrics> fp32 = run(TorchDType.FLOAT32);
        List<StepMetrics> bf16 = run(TorchDType.BFLOAT16);
        assertEquals(20, bf16.size());
        double first = bf16.get(0).loss();
        double last = bf16.get(19).loss();
        assertTrue(last < 0.7 * first, "bf16 loss " + first + " -> " + last);
        double ref = fp32.get(19).loss();
        assertTrue(Math.abs(last - ref) <= 0.02 * ref, "after 20 steps: bf16 " + last + " vs fp32 " + ref);
        // and bf16 really computed in bf16: the first losses differ from fp32 in low bits
        assertTrue(bf16.get(0).loss() != fp32.get(0).loss());
    }

    @Test
    void fp16WithDynamicLossScalingTrainsLikeFp32() {
        List<StepMetrics> fp32 = run(TorchDType.FLOAT32);
        List<StepMetrics> fp16 = run(TorchDType.FLOAT16, new dev.mft.core.optim.LossScaler(1024, 2, 0.5, 1000));
        double last = fp16.get(19).loss();
        double ref = fp32.get(19).loss();
        assertTrue(last < 0.7 * fp16.get(0).loss(), "fp16 loss " + fp16.get(0).loss() + " -> " + last);
        assertTrue(Math.abs(last - ref) <= 0.02 * ref, "after 20 steps: fp16 " + last + " vs fp32 " + ref);
        // the logged norm is the unscaled gradients' (the scale, 1024, divided out), as fp32's from the same weights
        double norm16 = fp16.get(0).gradNorm();
        double norm32 = fp32.get(0).gradNorm();
        assertTrue(Math.abs(norm16 - norm32) <= 0.02 * norm32, "first step's grad_norm: fp16 " + norm16 + " vs fp32 "
                + norm32);
    }

    @Test
    void fp16OverflowsAreSkippedAndTheScaleBacksOffInsteadOfFailingTheRun() {
        dev.mft.core.optim.LossScaler scaler = new dev.mft.core.optim.LossScaler(1e30, 2, 0.5, 1000);
        List<StepMetrics> fp16 = run(TorchDType.FLOAT16, scaler); // 20 steps, every early one overflows
        assertEquals(20, fp16.size()); // no NonFiniteLossException although > 5 steps in a row were skipped
        assertTrue(scaler.scale() < 1e30 / (1 << 10), "scale " + scaler.scale());
    }

    private static int resourceCount(NDManager manager) {
        try {
            java.lang.reflect.Field f = ai.djl.ndarray.BaseNDManager.class.getDeclaredField("resources");
            f.setAccessible(true);
            return ((java.util.Map<?, ?>) f.get(manager)).size();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
