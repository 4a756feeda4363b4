package dev.mft.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.checkpoint.CheckpointStore;
import dev.mft.core.checkpoint.TrainerState;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.model.TinyModels;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.tensor.TorchRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stop at step k, save, rebuild everything from the checkpoint, continue: the steps after k are identical. */
class ResumeTest {
    private static final ModelConfig CONFIG = TinyModels.llama(40, 16, 2, 4, 2, 24);
    private static final TrainerSettings SETTINGS = new TrainerSettings(4, 0, 2, 1.0, 1);
    private static final int TOTAL = 12; // 6 micro-batches/epoch, accumulation 2: 3 steps/epoch, 4 epochs

    @TempDir
    Path dir;

    /** 6 micro-batches per epoch, a different order per epoch (as a seeded sampler gives). */
    private static TrainingData data() {
        return new TrainingData() {
            @Override
            public int batchesPerEpoch() {
                return 6;
            }

            @Override
            public List<TokenBatch> epoch(int epoch) {
                SplittableRandom rng = new SplittableRandom(100 + epoch);
                List<TokenBatch> out = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    int[] ids = new int[2 * 10];
                    int[] labels = new int[2 * 10];
                    for (int j = 0; j < ids.length; j++) {
                        ids[j] = rng.nextInt(40);
                        labels[j] = j % 10 < 3 ? TokenBatch.IGNORE : ids[j];
                    }
                    out.add(TokenBatch.unpadded(2, 10, ids, labels));
                }
                return out;
            }
        };
    }

    private record Run(ModelWeights weights, LlamaModel model, AdamW optimizer, Trainer trainer) {}

    private static Run build(NDManager root, ModelWeights w, List<StepMetrics> sink) {
        var params = w.trainAll();
        LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                LinearFactory.dense(), LlamaModel.Attention.SDPA);
        AdamW opt = new AdamW(params, new AdamW.Settings(0.9, 0.95, 1e-8, 0.1), root);
        LrSchedule lr = new LrSchedule(LrSchedule.Type.COSINE, 5e-3, 5e-4, 2, TOTAL);
        return new Run(w, model, opt, new Trainer(model, opt, lr, SETTINGS, sink::add, root, Device.cpu()));
    }

    @Test
    void resumedRunRepeatsTheUninterruptedOneExactly() throws Exception {
        TorchRuntime.start();
        List<StepMetrics> straight = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Run r = build(root, ModelWeights.random(CONFIG, 1, 0.2, root, Device.cpu()), straight);
            r.trainer().train(data(), TrainerState.start(), StepListener.NONE);
        }
        assertEquals(TOTAL, straight.size());

        int stopAt = 7; // mid-epoch: epoch 2 holds steps 7..9, so the data position must be restored too
        CheckpointStore store = new CheckpointStore(dir);
        List<StepMetrics> first = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Run r = build(root, ModelWeights.random(CONFIG, 1, 0.2, root, Device.cpu()), first);
            Trainer.Outcome o = r.trainer().train(data(), TrainerState.start(), (state, eval, endOfEpoch, last) -> {
                if (state.globalStep() < stopAt) {
                    return StepListener.Decision.go(state);
                }
                try {
                    store.save(state.globalStep(), folder -> {
                        ModelCheckpoints.save(r.weights(), folder.resolve("model"), "float32", Long.MAX_VALUE,
                                List.of());
                        r.optimizer().save(folder.resolve("optimizer.safetensors"));
                        state.write(folder);
                    });
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return StepListener.Decision.stop(state);
            });
            assertTrue(o.stoppedEarly());
        }
        Path ckpt = store.latest(w -> { }).orElseThrow();
        List<StepMetrics> resumed = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Run r = build(root, ModelCheckpoints.load(ckpt.resolve("model"), root, Device.cpu()), resumed);
            r.optimizer().load(ckpt.resolve("optimizer.safetensors"));
            TrainerState state = TrainerState.read(ckpt);
            assertEquals(stopAt, state.globalStep());
            r.trainer().train(data(), state, StepListener.NONE);
        }
        assertEquals(TOTAL - stopAt, resumed.size());
        for (int i = 0; i < resumed.size(); i++) {
            StepMetrics a = straight.get(stopAt + i);
            StepMetrics b = resumed.get(i);
            assertEquals(a.step(), b.step());
            assertEquals(a.loss(), b.loss(), 0.0, "loss at step " + a.step());
            assertEquals(a.gradNorm(), b.gradNorm(), 0.0, "grad_norm at step " + a.step());
            assertEquals(a.lr(), b.lr(), 0.0);
            assertEquals(a.tokens(), b.tokens());
        }
    }

    @Test
    void nonFiniteStepsAreSkippedThenTheRunStopsWithAClearMessage() {
        TorchRuntime.start();
        List<StepMetrics> metrics = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelWeights.random(CONFIG, 1, 0.2, root, Device.cpu());
            float[] before = w.tensors().get("model.norm.weight").toFloatArray();
            // an Inf in the final norm makes every loss non-finite
            w.tensors().get("model.norm.weight").set(new ai.djl.ndarray.index.NDIndex("0"), Float.POSITIVE_INFINITY);
            var params = w.trainAll();
            LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                    LinearFactory.dense(), LlamaModel.Attention.SDPA);
            AdamW opt = new AdamW(params, new AdamW.Settings(0.9, 0.95, 1e-8, 0.1), root);
            Trainer t = new Trainer(model, opt, new LrSchedule(LrSchedule.Type.CONSTANT, 1e-3, 0, 0, TOTAL),
                    new TrainerSettings(4, 0, 1, 1.0, 100, 3), metrics::add, root, Device.cpu());
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.train(data()));
            assertTrue(e.getMessage().contains("3 non-finite steps in a row"), e.getMessage());
            assertEquals(3, metrics.size()); // every skipped step is logged, whatever the log interval
            assertEquals(0, opt.steps()); // no update was applied
            float[] after = w.tensors().get("model.norm.weight").toFloatArray();
            for (int i = 1; i < before.length; i++) {
                assertEquals(before[i], after[i], 0f);
            }
        }
    }
}
