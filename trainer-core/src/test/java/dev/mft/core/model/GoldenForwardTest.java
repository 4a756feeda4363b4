package dev.mft.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.core.eval.Evaluator;
import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.BatchArrays;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Forward logits and loss against goldens from an independent PyTorch eager implementation of the HF architectures
 * (scripts/reference/hf_llama_reference.py, float64): llama with GQA + llama3 rope scaling (F32 weights), mistral with
 * one kv head (F16 weights), qwen2 with q/k/v biases, tied embeddings, linear rope scaling and head_dim (BF16 weights).
 */
class GoldenForwardTest {

    static Path golden(String name) throws Exception {
        return Path.of(GoldenForwardTest.class.getResource("/golden/" + name + "/config.json").toURI()).getParent();
    }

    @ParameterizedTest
    @CsvSource({"llama_tiny,SDPA", "llama_tiny,EAGER", "mistral_tiny,SDPA", "mistral_tiny,EAGER", "qwen2_tiny,SDPA",
        "qwen2_tiny,EAGER"})
    void logitsAndLossMatchThePyTorchReference(String name, LlamaModel.Attention attention) throws Exception {
        Path dir = golden(name);
        JsonNode g = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelCheckpoints.load(dir, root, Device.cpu());
            RotaryEmbedding rope = new RotaryEmbedding(root, w.config());
            double[] invFreq = rope.inverseFrequencies();
            for (int i = 0; i < invFreq.length; i++) {
                assertEquals(g.get("rope_inv_freq").get(i).asDouble(), invFreq[i], 1e-6 * invFreq[i], "inv_freq " + i);
            }
            LlamaModel model = new LlamaModel(w.config(), w.tensors(), rope, LinearFactory.dense(), attention);
            List<TokenBatch> rows = new ArrayList<>();
            for (int r = 0; r < g.get("input_ids").size(); r++) {
                TokenBatch b = row(g.get("input_ids").get(r), g.get("labels").get(r));
                rows.add(b);
                try (NDManager step = root.newSubManager()) {
                    float[] logits = model.forward(BatchArrays.ids(step, b, Device.cpu()),
                            BatchArrays.positions(step, b, Device.cpu()), b.maxPosition()).toFloatArray();
                    double maxRef = 0;
                    double maxErr = 0;
                    JsonNode ref = g.get("logits").get(r);
                    int v = ref.get(0).size();
                    for (int t = 0; t < ref.size(); t++) {
                        for (int k = 0; k < v; k++) {
                            double expected = ref.get(t).get(k).asDouble();
                            maxRef = Math.max(maxRef, Math.abs(expected));
                            maxErr = Math.max(maxErr, Math.abs(expected - logits[t * v + k]));
                        }
                    }
                    assertTrue(maxErr / maxRef < 1e-4, name + " row " + r + ": max |error| " + maxErr
                            + " relative to max |logit| " + maxRef);
                }
            }
            Evaluator.Result result = Evaluator.evaluate(model, rows, root, Device.cpu());
            assertEquals(g.get("tokens").asLong(), result.tokens());
            double expected = g.get("loss").asDouble();
            assertEquals(expected, result.loss(), 1e-4 * expected, name + " mean loss");
        }
    }

    private static TokenBatch row(JsonNode ids, JsonNode labels) {
        int n = ids.size();
        int[] i = new int[n];
        int[] l = new int[n];
        for (int t = 0; t < n; t++) {
            i[t] = ids.get(t).asInt();
            l[t] = labels.get(t).asInt();
        }
        return TokenBatch.unpadded(1, n, i, l);
    }
}
