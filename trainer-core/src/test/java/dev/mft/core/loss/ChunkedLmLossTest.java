package dev.mft.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.model.TinyModels;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lm_head + loss a chunk of tokens at a time: the same loss and gradients as the whole batch at once. */
class ChunkedLmLossTest {
    // tied embeddings: the head's gradient and the embedding's meet in one tensor
    private static final ModelConfig CONFIG = ModelConfig.fromJson((com.fasterxml.jackson.databind.node.ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(java.util.Map.of("model_type", "llama",
                    "vocab_size", 50, "hidden_size", 32, "intermediate_size", 40, "num_hidden_layers", 2,
                    "num_attention_heads", 4, "num_key_value_heads", 2, "max_position_embeddings", 64,
                    "tie_word_embeddings", true)));

    private static final ModelConfig UNTIED = ModelConfig.fromJson((com.fasterxml.jackson.databind.node.ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(java.util.Map.of("model_type", "llama",
                    "vocab_size", 50, "hidden_size", 32, "intermediate_size", 40, "num_hidden_layers", 2,
                    "num_attention_heads", 4, "num_key_value_heads", 2, "max_position_embeddings", 64,
                    "tie_word_embeddings", false)));

    private static TokenBatch batch() {
        return TinyModels.promptedBatch(3, 3, 14, 50, 4); // a prompt part of every row is untrained
    }

    /**
     * Loss (first entry) and every trainable parameter's gradient after {@code passes} forward-backward passes of the
     * batch (the second accumulates into existing gradients, as micro-batches do), by the whole-batch autograd path
     * (chunk 0) or in chunks; {@code frozenHead}: the untied lm_head trains not (as under LoRA).
     */
    private static List<float[]> lossAndGradients(ModelConfig config, int chunk, int passes, double scale,
            boolean frozenHead) {
        return lossAndGradients(config, chunk, passes, scale, frozenHead, TorchDType.FLOAT32);
    }

    private static List<float[]> lossAndGradients(ModelConfig config, int chunk, int passes, double scale,
            boolean frozenHead, TorchDType compute) {
        return lossAndGradients(config, chunk, passes, scale, frozenHead, compute, 0.3);
    }

    private static List<float[]> lossAndGradients(ModelConfig config, int chunk, int passes, double scale,
            boolean frozenHead, TorchDType compute, double initRange) {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(config, 5, initRange, root, Device.cpu())) {
            List<Parameter> params = new ArrayList<>(w.trainAll());
            if (frozenHead) {
                params.removeIf(p -> p.name().equals("lm_head.weight"));
                w.tensors().get("lm_head.weight").setRequiresGradient(false);
            }
            LlamaModel model = new LlamaModel(config, w.tensors(), new RotaryEmbedding(root, config),
                    LinearFactory.dense(compute), LlamaModel.Attention.SDPA, compute);
            Autograd.enableForThisThread();
            TokenBatch b = batch();
            float[] weights = new float[b.rows() * b.cols()];
            int[] targets = b.shiftedTargets();
            for (int i = 0; i < weights.length; i++) {
                weights[i] = targets[i] == TokenBatch.IGNORE ? 0f : 1f / b.trainedTokens() * (1 + i % 3);
            }
            try (NDManager step = root.newSubManager()) {
                NDArray ids = BatchArrays.ids(step, b, Device.cpu());
                NDArray pos = BatchArrays.positions(step, b, Device.cpu());
                double loss = 0;
                for (int pass = 0; pass < passes; pass++) {
                    if (chunk == 0) {
                        // Ops.scale, not mul(Number): the backward reads the factor (see Ops.scale)
                        NDArray l = Ops.scale(CausalLmLoss.weightedSum(CausalLmLoss.tokenLosses(model.forward(ids, pos,
                                b.maxPosition()), b), weights), scale);
                        loss += CausalLmLoss.value(l);
                        Autograd.backward(l);
                    } else {
                        loss += ChunkedLmLoss.forwardBackward(model, ids, pos, null, b, weights, scale, chunk, step)
                                .getDouble();
                    }
                }
                List<float[]> out = new ArrayList<>();
                out.add(new float[] {(float) loss});
                for (Parameter p : params) {
                    out.add(Autograd.gradient(p.array(), step).toFloatArray());
                }
                return out;
            }
        }
    }

    private static void assertSame(List<float[]> whole, List<float[]> chunked, String what) {
        assertClose(whole, chunked, 1e-6, 1e-5, what);
    }

    /** Losses within {@code lossTol} (relative), every gradient within {@code gradTol} of its tensor's largest. */
    private static void assertClose(List<float[]> whole, List<float[]> chunked, double lossTol, double gradTol,
            String what) {
        assertEquals(whole.size(), chunked.size(), what);
        assertEquals(whole.get(0)[0], chunked.get(0)[0], lossTol * Math.abs(whole.get(0)[0]), "loss, " + what);
        for (int i = 1; i < whole.size(); i++) {
            float[] a = whole.get(i);
            float[] c = chunked.get(i);
            double scale = 1e-12;
            for (float x : a) {
                scale = Math.max(scale, Math.abs(x));
            }
            for (int j = 0; j < a.length; j++) {
                assertEquals(a[j], c[j], gradTol * scale, "gradient " + i + "[" + j + "], " + what);
            }
        }
        assertTrue(whole.get(0)[0] > 0);
    }

    @Test
    void chunksGiveTheWholeBatchLossAndGradients() {
        List<float[]> whole = lossAndGradients(CONFIG, 0, 1, 1.0, false);
        for (int chunk : new int[] {5, 14, 1000}) { // uneven chunks, one row per chunk, one chunk for all
            assertSame(whole, lossAndGradients(CONFIG, chunk, 1, 1.0, false), "chunk " + chunk);
        }
    }

    @Test
    void accumulatedScaledAndFrozenHeadPassesMatchTheWholeBatch() {
        // the second pass adds into gradients that exist (the head's through one matmul into its .grad)
        assertSame(lossAndGradients(CONFIG, 0, 2, 1.0, false), lossAndGradients(CONFIG, 5, 2, 1.0, false),
                "tied, two passes");
        assertSame(lossAndGradients(UNTIED, 0, 2, 4.0, false), lossAndGradients(UNTIED, 7, 2, 4.0, false),
                "untied, two passes, loss scale 4");
        assertSame(lossAndGradients(UNTIED, 0, 2, 1.0, true), lossAndGradients(UNTIED, 7, 2, 1.0, true),
                "frozen head, two passes");
    }

    @Test
    void targetsWithVanishingProbabilityKeepTheirExactLoss() {
        // weights ~N(0, 6): logits far apart, so some targets' softmax probabilities fall below 1e-30 (token losses
        // above 69) or underflow to 0, where the CPU path's log(p) would lose digits or be infinite
        double range = 6.0;
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(UNTIED, 5, range, root, Device.cpu());
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            LlamaModel model = new LlamaModel(UNTIED, w.tensors(), new RotaryEmbedding(root, UNTIED),
                    LinearFactory.dense(), LlamaModel.Attention.SDPA);
            TokenBatch b = batch();
            try (NDManager step = root.newSubManager()) {
                float[] losses = CausalLmLoss.tokenLosses(model.forward(BatchArrays.ids(step, b, Device.cpu()),
                        BatchArrays.positions(step, b, Device.cpu()), b.maxPosition()), b).toFloatArray();
                float max = 0;
                for (float l : losses) {
                    max = Math.max(max, l);
                }
                assertTrue(max > 110, "the test needs a token loss beyond fp32's smallest probability, got " + max);
            }
        }
        assertSame(lossAndGradients(UNTIED, 0, 1, 1.0, false, TorchDType.FLOAT32, range),
                lossAndGradients(UNTIED, 5, 1, 1.0, false, TorchDType.FLOAT32, range), "vanishing probabilities");
    }

    @Test
    void bf16ChunksMatchTheWholeBatchInBf16() {
        // the same computation in bf16 (matmuls in bf16, softmax in fp32) summed in another order: bf16's 8 bits
        for (ModelConfig config : new ModelConfig[] {CONFIG, UNTIED}) {
            assertClose(lossAndGradients(config, 0, 2, 1.0, false, TorchDType.BFLOAT16),
                    lossAndGradients(config, 5, 2, 1.0, false, TorchDType.BFLOAT16), 1e-2, 3e-2,
                    "bf16, tied " + config.tieWordEmbeddings());
        }
    }

    @Test
    void tokenLossesInChunksEqualThoseOfTheWholeLogits() {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(CONFIG, 5, 0.3, root, Device.cpu());
                Autograd.NoGrad noGrad = Autograd.noGrad()) {
            LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                    LinearFactory.dense(), LlamaModel.Attention.SDPA);
            TokenBatch b = batch();
            try (NDManager step = root.newSubManager()) {
                NDArray ids = BatchArrays.ids(step, b, Device.cpu());
                NDArray pos = BatchArrays.positions(step, b, Device.cpu());
                float[] whole = CausalLmLoss.tokenLosses(model.forward(ids, pos, b.maxPosition()), b).toFloatArray();
                float[] chunked = ChunkedLmLoss.tokenLosses(model, ids, pos, null, b, 5, step);
                assertEquals(whole.length, chunked.length);
                int trained = 0;
                for (int i = 0; i < whole.length; i++) {
                    assertEquals(whole[i], chunked[i], 1e-5 * (1 + Math.abs(whole[i])), "position " + i);
                    trained += whole[i] != 0 ? 1 : 0;
                }
                assertEquals(b.trainedTokens(), trained, "untrained positions are 0 in both");
            }
        }
    }
}
