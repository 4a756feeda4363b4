package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.TouchedRows;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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
    private final TorchDType compute;
    private final NDArray embed;
    private final NDArray lmHead;
    private final NDArray finalNorm;
    private final List<Block> blocks = new ArrayList<>();
    private final TouchedRows embeddingRows = new TouchedRows();

    private record Block(NDArray inputNorm, LinearLayer q, LinearLayer k, LinearLayer v, LinearLayer o,
            NDArray postNorm, LinearLayer gate, LinearLayer up, LinearLayer down) {}

    /**
     * @param weights every tensor of {@link TensorLayout#expected}, already on the model's device
     */
    public LlamaModel(ModelConfig config, Map<String, NDArray> weights, RotaryEmbedding rope, LinearFactory linears,
            Attention attention) {
        this(config, weights, rope, linears, attention, TorchDType.FLOAT32);
    }

    /**
     * @param compute dtype of the forward and backward computation (FLOAT32, or BFLOAT16/FLOAT16 for mixed
     *     precision: weights stay fp32 masters, cast per use through the dispatcher so gradients reach them; the linear
     *     layers must come from a factory built for the same dtype, e.g. {@link LinearFactory#dense(TorchDType)})
     */
    public LlamaModel(ModelConfig config, Map<String, NDArray> weights, RotaryEmbedding rope, LinearFactory linears,
            Attention attention, TorchDType compute) {
        this.config = config;
        this.compute = compute;
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
        return forward(inputIds, positionIds, maxPosition, null, null);
    }

    /**
     * Logits for a batch whose rows may hold several packed samples.
     *
     * @param sampleIds [B, T] int64, the sample each position belongs to, or null for plain causal attention (one
     *     sample per row); with it attention is causal AND within a sample (block-diagonal), so packed samples never
     *     see each other
     */
    public NDArray forward(NDArray inputIds, NDArray positionIds, int maxPosition, NDArray sampleIds) {
        return forward(inputIds, positionIds, maxPosition, sampleIds, null);
    }

    /**
     * Logits with a KV cache for decoding: the first call (empty cache) runs the prompt causally and fills the cache;
     * each later call takes ONE new token per row and attends to everything cached. Run it under no-grad.
     *
     * @param cache null for a plain forward
     */
    public NDArray forward(NDArray inputIds, NDArray positionIds, int maxPosition, KvCache cache) {
        return forward(inputIds, positionIds, maxPosition, null, cache);
    }

    private NDArray forward(NDArray inputIds, NDArray positionIds, int maxPosition, NDArray sampleIds,
            KvCache cache) {
        NDArray[] cosSin = rotary(positionIds, maxPosition);
        NDArray allowed = sampleIds == null ? null : AttentionMask.packedCausal(sampleIds); // [B, 1, T, T] bool
        NDArray h = embed(inputIds);
        for (int layer = 0; layer < blocks.size(); layer++) {
            h = decoderLayer(layer, h, cosSin, allowed, cache);
        }
        if (cache != null) {
            cache.advance((int) inputIds.getShape().get(1));
        }
        return head(h);
    }

    /**
     * Forward and backward of {@code loss(logits)} with activation checkpointing: the decoder runs once without a
     * graph, keeping only each layer's input; backward then recomputes one layer at a time with its upstream gradient.
     * Peak activation memory is one layer's instead of all of them; the gradients are the same.
     *
     * @param sampleIds as in {@link #forward(NDArray, NDArray, int, NDArray)}: null unless rows are packed
     * @return the loss value (the scalar {@code loss} returned)
     */
    public double forwardBackwardCheckpointed(NDArray inputIds, NDArray positionIds, int maxPosition,
            NDArray sampleIds, Function<NDArray, NDArray> loss) {
        NDArray[] cosSin = rotary(positionIds, maxPosition);
        NDArray allowed = sampleIds == null ? null : AttentionMask.packedCausal(sampleIds); // [B, 1, T, T] bool
        NDArray[] inputs = new NDArray[blocks.size() + 1]; // inputs[i] = input of layer i; inputs[L] = final hidden
        NDManager outer = inputIds.getManager();
        // each layer runs in its own scope: only its output (the next layer's input) outlives it, so the
        // intermediates of all layers are never alive together (results land on the first operand's manager, so
        // the layer's input is lent to the scope while it runs)
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            inputs[0] = embed(inputIds);
            for (int layer = 0; layer < blocks.size(); layer++) {
                try (NDManager scope = outer.newSubManager()) {
                    inputs[layer].attach(scope);
                    NDArray out = decoderLayer(layer, inputs[layer], cosSin, allowed, null);
                    out.attach(outer);
                    inputs[layer].attach(outer);
                    inputs[layer + 1] = out;
                }
            }
        }
        NDArray top = leaf(inputs[blocks.size()]);
        NDArray value = loss.apply(head(top));
        double result = value.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
        Autograd.backward(value);
        NDArray upstream = top.getGradient(); // on the step's manager: top is a step array
        for (int layer = blocks.size() - 1; layer >= 0; layer--) {
            try (NDManager scope = outer.newSubManager()) {
                NDArray in = leaf(inputs[layer]);
                in.attach(scope);
                Autograd.backward(decoderLayer(layer, in, cosSin, allowed, null), upstream);
                NDArray grad = in.getGradient(); // lands on the scope; kept as the next upstream
                grad.attach(outer);
                upstream = grad;
            }
        }
        Autograd.backward(embed(inputIds), upstream);
        return result;
    }

    /** A detached copy that collects a gradient: the boundary where recomputation restarts. */
    private static NDArray leaf(NDArray x) {
        NDArray l = x.stopGradient();
        l.setRequiresGradient(true);
        return l;
    }

    // The pieces of forward, for strategies that run the model layer by layer (ZeRO-2/3 reduce each layer's
    // gradients as soon as its backward is done; ZeRO-3 also gathers each layer's weights just before it runs).

    /** Number of decoder layers. */
    public int numLayers() {
        return blocks.size();
    }

    /** Rotary tables for the positions: 2 x [B, 1, T, D] in the compute dtype (no weights involved). */
    public NDArray[] rope(NDArray positionIds, int maxPosition) {
        return rotary(positionIds, maxPosition);
    }

    /** Decoder layer {@code i} of one sample per row: [B, T, H] -> [B, T, H]. */
    public NDArray layer(int i, NDArray h, NDArray[] cosSin) {
        return decoderLayer(i, h, cosSin, null, null);
    }

    private NDArray[] rotary(NDArray positionIds, int maxPosition) {
        NDArray[] cosSin = rope.tables(positionIds, maxPosition); // 2 x [B, 1, T, D]
        if (compute != TorchDType.FLOAT32) {
            cosSin[0] = TorchShim.get().cast(cosSin[0], compute);
            cosSin[1] = TorchShim.get().cast(cosSin[1], compute);
        }
        return cosSin;
    }

    /** ids [B, T] -> hidden [B, T, H] in the compute dtype. */
    public NDArray embed(NDArray inputIds) {
        return Ops.embedding(inputIds, weight(embed, inputIds));
    }

    /** One decoder layer: pre-norm attention and SwiGLU MLP, each with a residual. h: [B, T, H] -> [B, T, H]. */
    private NDArray decoderLayer(int layer, NDArray h, NDArray[] cosSin, NDArray allowed, KvCache cache) {
        Block blk = blocks.get(layer);
        long b = h.getShape().get(0);
        long t = h.getShape().get(1);
        int hq = config.numAttentionHeads();
        int hkv = config.numKeyValueHeads();
        int d = config.headDim();
        NDArray x = rmsNorm(h, blk.inputNorm); // [B, T, H]
        NDArray q = blk.q.forward(x).reshape(b, t, hq, d).transpose(0, 2, 1, 3); // [B, Hq, T, D]
        NDArray k = blk.k.forward(x).reshape(b, t, hkv, d).transpose(0, 2, 1, 3); // [B, Hkv, T, D]
        NDArray v = blk.v.forward(x).reshape(b, t, hkv, d).transpose(0, 2, 1, 3); // [B, Hkv, T, D]
        q = RotaryEmbedding.apply(q, cosSin[0], cosSin[1]);
        k = RotaryEmbedding.apply(k, cosSin[0], cosSin[1]);
        boolean causal = true;
        if (cache != null) {
            causal = cache.length() == 0; // a single new token attends to every cached one
            if (!causal && t != 1) {
                throw new IllegalArgumentException("with a filled KV cache, forward takes one token per row, got " + t);
            }
            k = cache.append(layer, 0, k); // [B, Hkv, Tcache + T, D]
            v = cache.append(layer, 1, v);
        }
        NDArray a = attend(q, k, v, causal, allowed); // [B, Hq, T, D]
        a = a.transpose(0, 2, 1, 3).reshape(b, t, (long) hq * d); // [B, T, Hq*D]
        h = h.add(blk.o.forward(a)); // residual
        x = rmsNorm(h, blk.postNorm);
        NDArray gated = TorchShim.get().silu(blk.gate.forward(x)).mul(blk.up.forward(x)); // [B, T, F]
        return h.add(blk.down.forward(gated)); // residual
    }

    /** The lm_head's weight, [V, H] fp32 (the embedding when the config ties them). */
    public NDArray headWeight() {
        return lmHead;
    }

    /** The dtype the forward and backward compute in (weights stay fp32 masters). */
    public TorchDType computeDType() {
        return compute;
    }

    /** Final norm and lm_head; logits in fp32 whatever the compute dtype (the loss's softmax needs it). */
    public NDArray head(NDArray h) {
        return logits(finalNorm(h));
    }

    /** The final RMSNorm: the decoder's output as the lm_head reads it. [..., H] -> [..., H] */
    public NDArray finalNorm(NDArray h) {
        return rmsNorm(h, finalNorm);
    }

    /** The lm_head over already normed hidden states, in fp32: [..., H] -> [..., V]. */
    public NDArray logits(NDArray normed) {
        NDArray logits = Ops.linear(normed, weight(lmHead, normed), null);
        return compute == TorchDType.FLOAT32 ? logits : TorchShim.get().cast(logits, TorchDType.FLOAT32);
    }

    /**
     * The forward up to the lm_head: the final hidden states (before the final norm) of rows that may be packed
     * ({@code sampleIds} as in {@link #forward(NDArray, NDArray, int, NDArray)}). [B, T] ids -> [B, T, H]
     */
    public NDArray decoder(NDArray inputIds, NDArray positionIds, int maxPosition, NDArray sampleIds) {
        return decoderFrom(embed(inputIds), positionIds, maxPosition, sampleIds);
    }

    /** The decoder layers over already embedded tokens: [B, T, H] -> [B, T, H] (before the final norm). */
    public NDArray decoderFrom(NDArray embedded, NDArray positionIds, int maxPosition, NDArray sampleIds) {
        NDArray[] cosSin = rotary(positionIds, maxPosition);
        NDArray allowed = sampleIds == null ? null : AttentionMask.packedCausal(sampleIds); // [B, 1, T, T] bool
        NDArray h = embedded;
        for (int layer = 0; layer < blocks.size(); layer++) {
            h = decoderLayer(layer, h, cosSin, allowed, null);
        }
        return h;
    }

    /**
     * The embedding of a training step. Where the table trains in fp32 the lookup is cut from the graph (a leaf that
     * collects the gradient) and {@link #embeddingBackward} adds that gradient into the table's rows by hand: autograd
     * would build a zero-filled [V, H] gradient, scatter into it, and then add all of it into the table's {@code .grad}
     * (three passes over the whole table for a few hundred rows). Otherwise the plain differentiable lookup.
     */
    public NDArray embedForTraining(NDArray inputIds) {
        if (!embeddingGradientByHand()) {
            return embed(inputIds);
        }
        NDArray embedded;
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            embedded = embed(inputIds);
        }
        embedded.setRequiresGradient(true);
        return embedded;
    }

    /**
     * After the backward reached {@code embedded} (from {@link #embedForTraining}): adds its gradient into the rows of
     * the embedding table's {@code .grad} it was looked up from (one scatter-add of [B*T, H]); nothing to do when the
     * lookup stayed in the graph.
     */
    public void embeddingBackward(NDArray inputIds, NDArray embedded, NDManager scratch) {
        if (!embeddingGradientByHand()) {
            return;
        }
        NDArray upstream = Autograd.gradient(embedded, scratch);
        if (upstream == null) {
            return; // the backward never reached it (no trained token)
        }
        long n = inputIds.getShape().size();
        long hidden = embedded.getShape().get(embedded.getShape().dimension() - 1);
        NDArray rows = upstream.reshape(n, hidden);
        NDArray tableGrad = Autograd.gradient(embed, scratch);
        if (tableGrad == null) { // the first backward: autograd creates the table's .grad
            Autograd.backward(Ops.embedding(inputIds, embed), upstream);
            return;
        }
        boolean host = !tableGrad.getDevice().isGpu();
        if (host) {
            embeddingRows.beforeAdd(tableGrad);
        }
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray index = inputIds.reshape(n, 1).broadcast(n, hidden); // [N, H], every column the token's row
            TorchShim.get().scatterAdd(tableGrad, 0, index, rows);
        }
        if (host) { // the ids are host memory already: reading them back costs a copy of B*T longs
            embeddingRows.added(tableGrad, inputIds.toLongArray());
        }
    }

    /**
     * Which rows of the embedding table's {@code .grad} the steps so far can have made nonzero, kept by
     * {@link #embeddingBackward} on the CPU, for an optimizer that reads only those ({@link AdamW#trackTouchedRows});
     * null when the table is tied to the lm_head (whose gradient fills every row).
     */
    public TouchedRows embeddingRows() {
        return lmHead == embed ? null : embeddingRows;
    }

    /** The embedding table, fp32 master. */
    public NDArray embeddingWeight() {
        return embed;
    }

    private boolean embeddingGradientByHand() {
        return compute == TorchDType.FLOAT32 && embed.hasGradient();
    }

    /**
     * A weight as the computation uses it: the fp32 master itself, or a differentiable cast of it owned by the
     * activation's (the step's) manager, never the weights' manager.
     */
    private NDArray weight(NDArray master, NDArray activation) {
        return compute == TorchDType.FLOAT32 ? master
                : TorchShim.get().cast(master, compute, activation.getManager());
    }

    /** Causal (or, with a cache, full) attention, restricted to {@code allowed} ([B, 1, T, T] bool) when set. */
    private NDArray attend(NDArray q, NDArray k, NDArray v, boolean causal, NDArray allowed) {
        boolean gqa = config.groupSize() > 1;
        if (attention == Attention.SDPA) {
            return allowed == null ? TorchShim.get().scaledDotProductAttention(q, k, v, causal, gqa)
                    : TorchShim.get().scaledDotProductAttention(q, k, v, allowed, false, gqa);
        }
        if (compute != TorchDType.FLOAT32) { // composed attention scales by a Java scalar: keep it in fp32
            return TorchShim.get().cast(eager(f32(q), f32(repeatKv(k)), f32(repeatKv(v)), causal, allowed), compute);
        }
        return eager(q, repeatKv(k), repeatKv(v), causal, allowed);
    }

    private static NDArray eager(NDArray q, NDArray k, NDArray v, boolean causal, NDArray allowed) {
        return allowed == null ? EagerAttention.attend(q, k, v, causal) : EagerAttention.masked(q, k, v, allowed);
    }

    private static NDArray f32(NDArray x) {
        return TorchShim.get().cast(x, TorchDType.FLOAT32);
    }

    /** A new, empty KV cache for this model (its arrays live on a sub-manager of {@code parent}). */
    public KvCache newCache(ai.djl.ndarray.NDManager parent) {
        return new KvCache(parent, config.numHiddenLayers());
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

    /**
     * HF LlamaRMSNorm: x * rsqrt(mean(x^2, -1) + eps), computed in fp32 whatever the compute dtype, then cast back
     * and scaled by the weight (as HF: {@code weight * hidden.to(input_dtype)}).
     */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray x32 = compute == TorchDType.FLOAT32 ? x : TorchShim.get().cast(x, TorchDType.FLOAT32);
        // HF's formula, x * rsqrt(variance + eps): the same rounding as the reference, and a multiply's backward
        // instead of a division's (the eps add's backward never reads the number, see Ops.scale)
        NDArray inverseRms = TorchShim.get().rsqrt(x32.square().mean(new int[] {-1}, true).add(config.rmsNormEps()));
        NDArray normed = x32.mul(inverseRms); // [B, T, H] * [B, T, 1]
        if (compute != TorchDType.FLOAT32) {
            normed = TorchShim.get().cast(normed, compute);
        }
        return normed.mul(weight(weight, x));
    }
}
