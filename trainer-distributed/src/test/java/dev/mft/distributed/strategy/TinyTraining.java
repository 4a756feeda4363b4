package dev.mft.distributed.strategy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.optim.Parameter;
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.core.parallel.SingleDevice;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.checkpoint.TrainerState;
import dev.mft.core.train.StepListener;
import dev.mft.core.train.StepMetrics;
import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.Trainer;
import dev.mft.core.train.TrainerSettings;
import dev.mft.core.train.TrainingData;
import dev.mft.distributed.collective.Collective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A tiny Llama trained for a few steps, on one device or as one rank of a group: the loss per step and the final
 * weights, for comparing strategies with the single-process run they must equal.
 */
final class TinyTraining {
    static final int STEPS = 3;
    static final int ACCUMULATION = 2;
    static final int GLOBAL_ROWS = 4;
    static final int COLS = 8;
    static final int VOCAB = 40;

    /** Full fine-tuning or LoRA-like adapters (frozen base, trainable A and B) on every projection. */
    enum Mode { FULL, LORA }

    record Result(List<Double> losses, Map<String, float[]> weights) {}

    private TinyTraining() {}

    static ModelConfig config(boolean tied) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model_type", "llama");
        n.put("vocab_size", VOCAB);
        n.put("hidden_size", 16);
        n.put("intermediate_size", 24);
        n.put("num_hidden_layers", 2);
        n.put("num_attention_heads", 4);
        n.put("num_key_value_heads", 2);
        n.put("rms_norm_eps", 1e-5);
        n.put("max_position_embeddings", 64);
        n.put("tie_word_embeddings", tied);
        return ModelConfig.fromJson(n);
    }

    /** Micro-batch k of the whole run: GLOBAL_ROWS rows of a learnable pattern with masked prompts. */
    static TokenBatch globalBatch(int k) {
        SplittableRandom rng = new SplittableRandom(1000 + k);
        int[] ids = new int[GLOBAL_ROWS * COLS];
        int[] labels = new int[GLOBAL_ROWS * COLS];
        for (int r = 0; r < GLOBAL_ROWS; r++) {
            int start = rng.nextInt(VOCAB);
            int prompt = 1 + rng.nextInt(COLS / 2);
            for (int t = 0; t < COLS; t++) {
                ids[r * COLS + t] = (start + 3 * t) % VOCAB;
                labels[r * COLS + t] = t < prompt ? TokenBatch.IGNORE : ids[r * COLS + t];
            }
        }
        return TokenBatch.unpadded(GLOBAL_ROWS, COLS, ids, labels);
    }

    /** Rank {@code rank}'s rows of a global batch (rows split as evenly as possible). */
    static TokenBatch slice(TokenBatch b, int rank, int world) {
        int from = rank * b.rows() / world;
        int to = (rank + 1) * b.rows() / world;
        int n = (to - from) * b.cols();
        int[] ids = new int[n];
        int[] labels = new int[n];
        System.arraycopy(b.inputIds(), from * b.cols(), ids, 0, n);
        System.arraycopy(b.labels(), from * b.cols(), labels, 0, n);
        return TokenBatch.unpadded(to - from, b.cols(), ids, labels);
    }

    static TrainingData data(int rank, int world) {
        List<TokenBatch> batches = new ArrayList<>();
        for (int k = 0; k < STEPS * ACCUMULATION; k++) {
            batches.add(slice(globalBatch(k), rank, world));
        }
        return TrainingData.repeating(batches);
    }

    /** Builds the model and its strategy, trains, and returns what rank 0 (or the single process) ends with. */
    static Result train(Mode mode, boolean tied, Collective c, ZeroSettings zero, Consumer<ParallelStrategy> probe) {
        return train(mode, tied, c, zero, probe, null);
    }

    /** As above; {@code before} sees the strategy before the first step, {@code after} after the last. */
    static Result train(Mode mode, boolean tied, Collective c, ZeroSettings zero, Consumer<ParallelStrategy> before,
            Consumer<ParallelStrategy> after) {
        try (Run run = new Run(mode, tied, c, zero)) {
            if (before != null) {
                before.accept(run.strategy);
            }
            run.train(TrainerState.start(), STEPS);
            if (after != null) {
                after.accept(run.strategy);
            }
            return run.result();
        }
    }

    /** One rank's model, strategy and losses, which can train in pieces (for checkpoint and resume tests). */
    static final class Run implements AutoCloseable {
        final ParallelStrategy strategy;
        final Map<String, NDArray> tensors = new LinkedHashMap<>();
        private final NDManager root;
        private final LlamaModel model;
        private final int rank;
        private final int world;
        private final List<Double> losses = new ArrayList<>();

        Run(Mode mode, boolean tied, Collective c, ZeroSettings zero) {
            TorchRuntime.start();
            rank = c == null ? 0 : c.rank();
            world = c == null ? 1 : c.worldSize();
            ModelConfig config = config(tied);
            root = NDManager.newBaseManager(Device.cpu());
            ModelWeights w = ModelWeights.random(config, 7, 0.2, root, Device.cpu());
            tensors.putAll(w.tensors());
            List<Parameter> params = new ArrayList<>();
            LinearFactory linears;
            if (mode == Mode.FULL) {
                params.addAll(w.trainAll());
                linears = LinearFactory.dense();
            } else {
                linears = adapters(w.manager(), params, tensors);
            }
            model = new LlamaModel(config, w.tensors(), new RotaryEmbedding(root, config), linears,
                    LlamaModel.Attention.SDPA);
            AdamW.Settings adam = new AdamW.Settings(0.9, 0.999, 1e-8, 0.01);
            if (c == null) {
                strategy = new SingleDevice(new AdamW(params, adam, root));
            } else if (zero.stage() == 0) {
                strategy = new Ddp(c, params, tensors, adam, zero, root, Device.cpu());
            } else {
                strategy = new ZeroStrategy(c, zero, params, tensors, config.numHiddenLayers(), adam, root,
                        Device.cpu());
            }
        }

        /** Trains from {@code from} up to optimizer step {@code untilStep}; returns where it stopped. */
        TrainerState train(TrainerState from, int untilStep) {
            LrSchedule lr = new LrSchedule(LrSchedule.Type.CONSTANT, 1e-2, 0, 0, STEPS);
            TrainerSettings settings = new TrainerSettings(1, untilStep, ACCUMULATION, 0.5, 1);
            return new Trainer(model, strategy, lr, settings, (StepMetrics m) -> losses.add(m.loss()), root,
                    Device.cpu()).train(data(rank, world), from, StepListener.NONE).state();
        }

        /** Losses so far and the whole weights (gathered from every rank under stage 3). */
        Result result() {
            if (strategy instanceof ZeroStrategy z) {
                z.gatherAll();
            }
            Map<String, float[]> weights = new LinkedHashMap<>();
            tensors.forEach((name, a) -> weights.put(name, a.toFloatArray()));
            if (strategy instanceof ZeroStrategy z) {
                z.repartition();
            }
            return new Result(List.copyOf(losses), weights);
        }

        @Override
        public void close() {
            strategy.close();
            root.close();
        }
    }

    /** LoRA-shaped adapters: y = x W^T + (x A^T) B^T * 2, A [2, in] and B [out, 2] trainable, W frozen. */
    private static LinearFactory adapters(NDManager m, List<Parameter> params, Map<String, NDArray> all) {
        return (module, weight, bias) -> {
            SplittableRandom rng = new SplittableRandom(module.hashCode());
            long in = weight.getShape().get(1);
            long out = weight.getShape().get(0);
            NDArray a = m.create(gaussian(rng, (int) (2 * in), 0.3f), new ai.djl.ndarray.types.Shape(2, in));
            NDArray b = m.create(gaussian(rng, (int) (out * 2), 0.1f), new ai.djl.ndarray.types.Shape(out, 2));
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            String prefix = "base_model.model." + module;
            params.add(new Parameter(prefix + ".lora_A.weight", a, true));
            params.add(new Parameter(prefix + ".lora_B.weight", b, true));
            all.put(prefix + ".lora_A.weight", a);
            all.put(prefix + ".lora_B.weight", b);
            // Ops.scale, not DJL's mul(2): that scalar's Java buffer can be collected and reused before the backward
            // reads it (see Ops.scale), which made the ranks' LoRA weights differ from one process's now and then
            return x -> Ops.linear(x, weight, bias).add(Ops.scale(Ops.linear(Ops.linear(x, a, null), b, null), 2));
        };
    }

    private static float[] gaussian(SplittableRandom rng, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextGaussian() * std);
        }
        return v;
    }
}
