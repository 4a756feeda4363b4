package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchShim;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HF Llama-family decoder (llama, mistral, qwen2 share it; the config says which biases and ties exist),
 * readable next to HF's {@code modeling_llama.py}. Weights are looked up by their literal HF names.
 */
public final class LlamaModel {

    /** How attention is computed: SDPA through the dispatcher (default) or composed ops (tested fallback). */
    public enum Attention { SDPA, EAGER }

    private final ModelConfig config;
    private final Map<String, NDArray> weights;
    private final RotaryEmbedding rope;
    private final Attention attention;
    private final NDArray embed;
    private final NDArray lmHead;
    private final NDArray finalNorm;
    private final List<Block> blocks = new ArrayList<>();

    private record Block(NDArray inputNorm, LinearLayer q, LinearLayer k, LinearLayer v, LinearLayer o,
            NDArray postNorm, LinearLayer gate, LinearLayer up, LinearLayer down) {}

    /**
     * @param weights every tensor of {@link TensorLayout#expected}, already on the model's device
     */
    public LlamaModel(ModelConfig config, Map<String, NDArray> weights, RotaryEmbedding rope, LinearFactory linears,
            Attention attention) {
        this.config = config;
        this.weights = weights;
        this.rope = rope;
        this.attention = attention;
        this.embed = weights.get(TensorLayout.EMBED);
        this.lmHead = config.tieWordEmbeddings() ? embed : weights.get(TensorLayout.LM_HEAD);
        this.finalNorm = weights.get(TensorLayout.FINAL_NORM);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = TensorLayout.layer(i);
            blocks.add(new Block(weights.get(p + "input_layernorm.weight"),
                    linear(linears, p + "self_attn.q_proj"), linear(linears, p + "self_attn.k_proj"),
                    linear(linears, p + "self_attn.v_proj"), linear(linears, p + "self_attn.o_proj"),
                    weights.get(p + "post_attention_layernorm.weight"),
                    linear(linears, p + "mlp.gate_proj"), linear(linears, p + "mlp.up_proj"),
                    linear(linears, p + "mlp.down_proj")));
        }
    }

    private LinearLayer linear(LinearFactory f, String module) {
        return f.create(module, weights.get(module + ".weight"), weights.get(module + ".bias"));
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Logits for a batch. All results live on the manager of {@code inputIds} (the step's scope).
     *
     * @param inputIds [B, T] int64
     * @param positionIds [B, T] int64 (restarting per packed sample where packing is used)
     * @param maxPosition the largest value in positionIds (known on the host, so no device sync)
     * @return logits [B, T, V]
     */
    public NDArray forward(NDArray inputIds, NDArray positionIds, int maxPosition) {
        NDArray[] cosSin = rope(positionIds, maxPosition);
        NDArray h = embed(inputIds);
        for (int i = 0; i < blocks.size(); i++) {
            h = layer(i, h, cosSin);
        }
        return head(h);
    }

    // The pieces of forward, for strategies that run the model layer by layer (ZeRO-2/3 reduce each layer's
    // gradients as soon as its backward is done; ZeRO-3 also gathers each layer's weights just before it runs).

    /** Number of decoder layers. */
    public int numLayers() {
        return blocks.size();
    }

    /** Rotary tables for the positions: 2 x [B, 1, T, D] (no weights involved). */
    public NDArray[] rope(NDArray positionIds, int maxPosition) {
        return rope.tables(positionIds, maxPosition);
    }

    /** Token embeddings: [B, T] int64 -> [B, T, H]. */
    public NDArray embed(NDArray inputIds) {
        return Ops.embedding(inputIds, embed);
    }

    /** Decoder layer {@code i}: [B, T, H] -> [B, T, H]. */
    public NDArray layer(int i, NDArray h, NDArray[] cosSin) {
        long b = h.getShape().get(0);
        long t = h.getShape().get(1);
        int hq = config.numAttentionHeads();
        int hkv = config.numKeyValueHeads();
        int d = config.headDim();
        double eps = config.rmsNormEps();
        Block blk = blocks.get(i);
        NDArray x = rmsNorm(h, blk.inputNorm, eps); // [B, T, H]
        NDArray q = blk.q.forward(x).reshape(b, t, hq, d).transpose(0, 2, 1, 3); // [B, Hq, T, D]
        NDArray k = blk.k.forward(x).reshape(b, t, hkv, d).transpose(0, 2, 1, 3); // [B, Hkv, T, D]
        NDArray v = blk.v.forward(x).reshape(b, t, hkv, d).transpose(0, 2, 1, 3); // [B, Hkv, T, D]
        q = RotaryEmbedding.apply(q, cosSin[0], cosSin[1]);
        k = RotaryEmbedding.apply(k, cosSin[0], cosSin[1]);
        NDArray a = attend(q, k, v); // [B, Hq, T, D]
        a = a.transpose(0, 2, 1, 3).reshape(b, t, (long) hq * d); // [B, T, Hq*D]
        h = h.add(blk.o.forward(a)); // residual
        x = rmsNorm(h, blk.postNorm, eps);
        NDArray gated = TorchShim.get().silu(blk.gate.forward(x)).mul(blk.up.forward(x)); // [B, T, F]
        h = h.add(blk.down.forward(gated)); // residual
        return h;
    }

    /** Final norm and LM head: [B, T, H] -> logits [B, T, V]. */
    public NDArray head(NDArray h) {
        return Ops.linear(rmsNorm(h, finalNorm, config.rmsNormEps()), lmHead, null); // [B, T, V]
    }

    private NDArray attend(NDArray q, NDArray k, NDArray v) {
        if (attention == Attention.SDPA) {
            return TorchShim.get().scaledDotProductAttention(q, k, v, true, config.groupSize() > 1);
        }
        return EagerAttention.causal(q, repeatKv(k), repeatKv(v));
    }

    /** [B, Hkv, T, D] -> [B, Hq, T, D], each kv head serving groupSize consecutive query heads (HF repeat_kv). */
    private NDArray repeatKv(NDArray x) {
        int n = config.groupSize();
        if (n == 1) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(2).broadcast(s.get(0), s.get(1), n, s.get(2), s.get(3))
                .reshape(s.get(0), s.get(1) * n, s.get(2), s.get(3));
    }

    /** HF LlamaRMSNorm: x * rsqrt(mean(x^2, -1) + eps) * weight, in the input dtype (fp32 here). */
    private static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt(); // [B, T, 1]
        return x.div(rms).mul(weight);
    }
}
