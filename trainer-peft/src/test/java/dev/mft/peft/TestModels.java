package dev.mft.peft;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.TrainingData;
import dev.mft.peft.lora.LoraInit;
import dev.mft.peft.lora.LoraWeights;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny llama / qwen2 shapes and helpers for PEFT tests. */
public final class TestModels {
    private TestModels() {}

    public static final int VOCAB = 48;

    /** llama with GQA: hidden 64, 4 heads of 16, 2 kv heads, ffn 96, 2 layers. */
    public static ModelConfig llama() {
        ObjectNode n = base("llama", 64, 96, 4, 2);
        return ModelConfig.fromJson(n);
    }

    /** qwen2: q/k/v biases, tied embeddings; hidden 32, 4 heads of 8, 2 kv heads, ffn 48, 2 layers. */
    public static ModelConfig qwen2() {
        ObjectNode n = base("qwen2", 32, 48, 4, 2);
        n.put("tie_word_embeddings", true);
        return ModelConfig.fromJson(n);
    }

    private static ObjectNode base(String type, int hidden, int ffn, int heads, int kv) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model_type", type);
        n.put("vocab_size", VOCAB);
        n.put("hidden_size", hidden);
        n.put("intermediate_size", ffn);
        n.put("num_hidden_layers", 2);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", kv);
        n.put("rms_norm_eps", 1e-5);
        n.put("max_position_embeddings", 128);
        return n;
    }

    public static LlamaModel model(ModelConfig c, Map<String, NDArray> weights, LinearFactory linears,
            NDManager root) {
        return new LlamaModel(c, weights, new RotaryEmbedding(root, c), linears, LlamaModel.Attention.SDPA);
    }

    /** A fixed batch of 2 rows x 12 tokens, every token trained. */
    public static TokenBatch batch() {
        int rows = 2;
        int cols = 12;
        int[] ids = new int[rows * cols];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (7 * i + 3) % VOCAB;
        }
        return TokenBatch.unpadded(rows, cols, ids, ids.clone());
    }

    /** Logits of {@link #batch()} as a flat array, computed in a scope closed before returning. */
    public static float[] logits(LlamaModel model, NDManager root) {
        TokenBatch b = batch();
        try (NDManager step = root.newSubManager()) {
            return model.forward(BatchArrays.ids(step, b, Device.cpu()), BatchArrays.positions(step, b, Device.cpu()),
                    b.maxPosition()).toFloatArray();
        }
    }

    /** Gaussian values from a Java generator. */
    public static float[] gaussian(SplittableRandom rng, int n, double std) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (rng.nextGaussian() * std);
        }
        return out;
    }

    /** An adapter init with random non-zero A and B (as after training), seeded per module. */
    public static LoraInit randomAdapters(long seed, double std) {
        return (module, in, out, rank, manager) -> {
            SplittableRandom rng = new SplittableRandom(seed + module.hashCode());
            NDArray a = manager.create(gaussian(rng, (int) (rank * in), std), new Shape(rank, in));
            NDArray b = manager.create(gaussian(rng, (int) (out * rank), std), new Shape(out, rank));
            return new LoraWeights(a, b);
        };
    }

    /** Largest absolute difference between two arrays of equal length. */
    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " vs " + b.length);
        }
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    public static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Training data that is the same single batch in every epoch. */
    public static TrainingData fixed(TokenBatch b) {
        return new TrainingData() {
            @Override
            public int batchesPerEpoch() {
                return 1;
            }

            @Override
            public List<TokenBatch> epoch(int epoch) {
                return List.of(b);
            }
        };
    }
}
