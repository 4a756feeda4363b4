package dev.mft.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.train.TokenBatch;
import java.util.SplittableRandom;

/** Small configs for tests that need a model but no checkpoint. */
public final class TinyModels {
    private TinyModels() {}

    public static ModelConfig llama(int vocab, int hidden, int layers, int heads, int kvHeads, int ffn) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model_type", "llama");
        n.put("vocab_size", vocab);
        n.put("hidden_size", hidden);
        n.put("intermediate_size", ffn);
        n.put("num_hidden_layers", layers);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", kvHeads);
        n.put("rms_norm_eps", 1e-5);
        n.put("max_position_embeddings", 512);
        return ModelConfig.fromJson(n);
    }

    /** Seeded random ids in [0, vocab); the first {@code prompt} tokens of every row untrained, the rest labelled. */
    public static TokenBatch promptedBatch(long seed, int rows, int cols, int vocab, int prompt) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = new int[rows * cols];
        int[] labels = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(vocab);
            labels[i] = i % cols < prompt ? TokenBatch.IGNORE : ids[i];
        }
        return TokenBatch.unpadded(rows, cols, ids, labels);
    }
}
