package dev.mft.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors a HF Llama-family checkpoint must hold for a config: literal HF names and shapes, in model order.
 * This is the one table of tensor names; loading, saving and init all read it.
 */
public final class TensorLayout {
    private TensorLayout() {}

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    /** Prefix of layer {@code i}'s tensors, e.g. {@code model.layers.3.}. */
    public static String layer(int i) {
        return "model.layers." + i + ".";
    }

    /** Name -> shape of every tensor the checkpoint must contain (no lm_head when embeddings are tied). */
    public static Map<String, long[]> expected(ModelConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long ffn = c.intermediateSize();
        m.put(EMBED, new long[] {c.vocabSize(), h});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = layer(i);
            m.put(p + "input_layernorm.weight", new long[] {h});
            linear(m, p + "self_attn.q_proj", q, h, c.qkvBias());
            linear(m, p + "self_attn.k_proj", kv, h, c.qkvBias());
            linear(m, p + "self_attn.v_proj", kv, h, c.qkvBias());
            linear(m, p + "self_attn.o_proj", h, q, c.outputBias());
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            linear(m, p + "mlp.gate_proj", ffn, h, c.mlpBias());
            linear(m, p + "mlp.up_proj", ffn, h, c.mlpBias());
            linear(m, p + "mlp.down_proj", h, ffn, c.mlpBias());
        }
        m.put(FINAL_NORM, new long[] {h});
        if (!c.tieWordEmbeddings()) {
            m.put(LM_HEAD, new long[] {c.vocabSize(), h});
        }
        return m;
    }

    /** Names of the projections of one decoder layer, in model order (HF module-name suffixes). */
    public static final List<String> LAYER_LINEARS = List.of("self_attn.q_proj", "self_attn.k_proj",
            "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    /**
     * Full module names of every linear layer the model builds through its {@link LinearFactory}, e.g.
     * {@code model.layers.0.self_attn.q_proj}; the output head is not among them.
     */
    public static List<String> linearModules(ModelConfig c) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            for (String s : LAYER_LINEARS) {
                out.add(layer(i) + s);
            }
        }
        return out;
    }

    private static void linear(Map<String, long[]> m, String name, long out, long in, boolean bias) {
        m.put(name + ".weight", new long[] {out, in});
        if (bias) {
            m.put(name + ".bias", new long[] {out});
        }
    }

    /** Whether AdamW's weight decay applies: matrices only, never biases or norm weights (HF/MFTCoder convention). */
    public static boolean decays(String name, long[] shape) {
        return shape.length >= 2;
    }
}
