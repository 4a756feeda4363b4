package dev.mft.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import dev.mft.core.train.TokenBatch;

/**
 * The lm_head and the weighted cross-entropy of a micro-batch, {@code chunk} tokens at a time, each chunk's forward
 * and backward done before the next starts, so only one chunk's [chunk, V] logits (and their log-softmax and
 * gradients) are ever alive instead of the whole [B, T, V]. With a 150k vocabulary and 2k tokens that is the
 * difference between gigabytes and a few hundred megabytes.
 *
 * <p>The decoder runs once with its graph; the head and the loss then run without one, their backward written out
 * chunk by chunk (the hidden states' gradient collected per chunk, the head weight's added into its {@code .grad}),
 * and at the end that gradient continues through the final norm and the decoder. Same loss and gradients as the
 * whole-batch autograd path ({@code loss_chunk_tokens} -1) up to summation order.
 */
public final class ChunkedLmLoss {
    private ChunkedLmLoss() {}

    /**
     * Forward and backward of {@code scale * sum(tokenWeights * CE)} for one micro-batch.
     *
     * @param tokenWeights per position of {@code batch} (row-major [B*T]); 0 where untrained
     * @param scale multiplies the loss before backward (fp16 loss scaling), 1 otherwise
     * @return the weighted loss sum times {@code scale} (what was backpropagated), a fp64 scalar on {@code step}, not
     *     yet read to the host
     */
    public static NDArray forwardBackward(LlamaModel model, NDArray ids, NDArray positions, NDArray sampleIds,
            TokenBatch batch, float[] tokenWeights, double scale, int chunk, NDManager step) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be > 0 tokens, got " + chunk);
        }
        NDArray embedded = model.embedForTraining(ids);
        NDArray normed = model.finalNorm(model.decoderFrom(embedded, positions, batch.maxPosition(), sampleIds));
        Head head = headForwardBackward(model, normed, batch, tokenWeights, scale, chunk, step); // [B, T, H] upstream
        if (head.upstream() != null) {
            Autograd.backward(normed, head.upstream());
            model.embeddingBackward(ids, embedded, step);
        }
        return head.loss();
    }

    /**
     * The head's part of a micro-batch's step: its loss, and the gradient that continues into the decoder.
     *
     * @param loss the weighted loss sum times the scale, a fp64 scalar on the step's manager, not yet read
     * @param upstream the gradient of the final normed hidden states ([B, T, H]), or null when no token trained
     */
    public record Head(NDArray loss, NDArray upstream) {}

    /**
     * Forward and backward of the lm_head and the loss over the final normed hidden states {@code normed} ([B, T, H],
     * with the decoder's graph), {@code chunk} tokens at a time; the head weight's gradient is accumulated, the
     * decoder's backward is left to the caller ({@code Autograd.backward(normed, upstream)}).
     */
    public static Head headForwardBackward(LlamaModel model, NDArray normed, TokenBatch batch, float[] tokenWeights,
            double scale, int chunk, NDManager step) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be > 0 tokens, got " + chunk);
        }
        return fusedHead(model, normed, batch, tokenWeights, scale, chunk, step);
    }

    /**
     * The head and loss with their backward written out: per chunk, the log-softmax of the logits is taken
     * once (the logits freed at once), its exp is the softmax (the log-softmax freed at once), which becomes the
     * logits' gradient {@code c_i * (softmax - onehot(target_i))}, {@code c_i = scale * w_i}, in place; one matmul gives
     * the hidden states' gradient, a second adds the head weight's straight into its {@code .grad}
     * ({@link TorchShim#addMatMulInto}). At most two [chunk, V] buffers instead of autograd's four (logits,
     * log-softmax, their gradients), and no separate accumulation of the head's gradient. In bf16/fp16 the matmuls run
     * in the compute dtype (the head cast once per micro-batch) and the softmax in fp32, as autograd's path does; the
     * head's gradient is cast to fp32 and added into the master's {@code .grad}.
     */
    private static Head fusedHead(LlamaModel model, NDArray normed, TokenBatch batch, float[] tokenWeights,
            double scale, int chunk, NDManager step) {
        long hidden = normed.getShape().get(2);
        int n = batch.rows() * batch.cols();
        int[] targets = batch.shiftedTargets();
        NDArray head = model.headWeight(); // [V, H] fp32
        TorchDType compute = model.computeDType();
        boolean fp32 = compute == TorchDType.FLOAT32;
        boolean trainHead = head.hasGradient();
        NDArray headGrad = trainHead ? Autograd.existingGradient(head, step) : null; // null before the first backward
        NDArray pendingHeadGrad = null; // the head's gradient while its .grad does not exist yet
        NDArray total = null;
        NDArray[] hiddenGrads = new NDArray[(n + chunk - 1) / chunk];
        TorchShim shim = TorchShim.get();
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray flat = normed.stopGradient().reshape(n, hidden); // [N, H], the same memory
            flat.attach(step);
            NDArray headC = fp32 ? head : shim.cast(head, compute, step); // cast once per micro-batch
            for (int from = 0, part = 0; from < n; from += chunk, part++) {
                int to = Math.min(n, from + chunk);
                if (!anyWeight(tokenWeights, from, to)) { // nothing trained here: no logits, a zero gradient
                    hiddenGrads[part] = step.zeros(new Shape(to - from, hidden), normed.getDataType(),
                            normed.getDevice());
                    continue;
                }
                try (NDManager c = step.newSubManager()) {
                    NDArray x = flat.get(new NDIndex().addSliceDim(from, to)); // [c, H], a view
                    x.attach(c);
                    float[] weighted = new float[to - from]; // scale * w_i, 0 where untrained
                    long[] index = new long[to - from];
                    for (int i = from; i < to; i++) {
                        boolean trained = targets[i] != TokenBatch.IGNORE;
                        weighted[i - from] = trained ? (float) (scale * tokenWeights[i]) : 0f;
                        index[i - from] = trained ? targets[i] : 0;
                    }
                    NDArray idx = c.create(index, new Shape(to - from, 1)).toDevice(x.getDevice(), false);
                    NDArray cw = c.create(weighted, new Shape(to - from, 1)).toDevice(x.getDevice(), false);
                    NDArray g; // [c, V] fp32: log-probabilities, then the logits' gradient in place
                    try (NDArray logits = Ops.linear(x, headC, null)) { // the compute dtype; softmax in fp32
                        if (fp32) {
                            g = logits.logSoftmax(1); // one fused pass (a max over the row, with indices, is slower)
                        } else {
                            try (NDArray logits32 = shim.cast(logits, TorchDType.FLOAT32)) {
                                g = logits32.logSoftmax(1);
                            }
                        }
                    }
                    // loss: -sum_i c_i * log p(target_i)
                    NDArray value = g.gather(idx, 1).mul(cw).sum().neg().toType(DataType.FLOAT64, false);
                    value.attach(step);
                    total = total == null ? value : total.add(value);
                    try (NDArray logp = g) { // softmax: out of place, as fast as a copy; libtorch's in-place exp_
                        g = logp.exp(); // takes MKL's vector exp, ~2x slower on this AMD CPU (docs/benchmarks.md)
                    }
                    g.muli(cw); // c_i * softmax
                    shim.scatterAdd(g, 1, idx, cw.neg()); // - c_i at the target
                    if (!fp32) { // the matmuls run in the compute dtype, as autograd's would
                        try (NDArray g32 = g) {
                            g = shim.cast(g32, compute);
                        }
                    }
                    NDArray gx = g.matMul(headC); // [c, H], the compute dtype
                    gx.attach(step);
                    hiddenGrads[part] = gx;
                    if (trainHead) {
                        if (fp32 && headGrad != null) {
                            shim.addMatMulInto(headGrad, g.transpose(), x);
                        } else {
                            NDArray d = g.transpose().matMul(x); // [V, H]
                            if (!fp32) { // the fp32 master's gradient
                                try (NDArray low = d) {
                                    d = shim.cast(low, TorchDType.FLOAT32);
                                }
                            }
                            if (headGrad != null) {
                                headGrad.addi(d);
                            } else {
                                d.attach(step);
                                pendingHeadGrad = pendingHeadGrad == null ? d : pendingHeadGrad.addi(d);
                            }
                        }
                    }
                }
            }
        }
        if (total == null) { // no trained token: no backward
            return new Head(step.zeros(new Shape(), DataType.FLOAT64, normed.getDevice()), null);
        }
        if (pendingHeadGrad != null) {
            Autograd.backward(head, pendingHeadGrad); // a leaf: this creates its .grad
        }
        return new Head(total,
                NDArrays.concat(new ai.djl.ndarray.NDList(hiddenGrads), 0).reshape(normed.getShape()));
    }

    /**
     * Every position's CE (0 where untrained), row-major [B*T], computed {@code chunk} tokens at a time without a
     * graph (evaluation): only one chunk's logits exist at once. The same values as
     * {@link CausalLmLoss#tokenLosses} of the whole batch's logits.
     */
    public static float[] tokenLosses(LlamaModel model, NDArray ids, NDArray positions, NDArray sampleIds,
            TokenBatch batch, int chunk, NDManager step) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be > 0 tokens, got " + chunk);
        }
        int n = batch.rows() * batch.cols();
        NDArray normed = model.finalNorm(model.decoder(ids, positions, batch.maxPosition(), sampleIds));
        NDArray flat = normed.reshape(n, normed.getShape().get(2)); // [N, H]
        int[] targets = batch.shiftedTargets();
        float[] out = new float[n];
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            if (!anyTarget(targets, from, to)) {
                continue;
            }
            try (NDManager c = step.newSubManager()) {
                float[] picked = targetLogProbs(model, flat, targets, from, to, c).toFloatArray();
                for (int i = from; i < to; i++) {
                    out[i] = targets[i] != TokenBatch.IGNORE ? -picked[i - from] : 0f;
                }
            }
        }
        return out;
    }

    /**
     * log p(target) of tokens [from, to) of {@code hidden} ([N, H], normed): their logits and log-softmax exist only
     * on {@code chunk}; untrained positions read the log-probability of id 0 (their callers weight it by 0).
     * @return [to - from] fp32, a view's result: gradients flow back into {@code hidden}
     */
    private static NDArray targetLogProbs(LlamaModel model, NDArray hidden, int[] targets, int from, int to,
            NDManager chunk) {
        NDArray x = hidden.get(new NDIndex().addSliceDim(from, to)); // [c, H], a view
        x.attach(chunk);
        NDArray logp = model.logits(x).logSoftmax(-1); // [c, V] fp32
        long[] index = new long[to - from];
        for (int i = from; i < to; i++) {
            index[i - from] = targets[i] != TokenBatch.IGNORE ? targets[i] : 0;
        }
        NDArray idx = chunk.create(index, new Shape(to - from, 1)).toDevice(logp.getDevice(), false);
        return logp.gather(idx, -1).squeeze(-1);
    }

    private static boolean anyTarget(int[] targets, int from, int to) {
        for (int i = from; i < to; i++) {
            if (targets[i] != TokenBatch.IGNORE) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyWeight(float[] w, int from, int to) {
        for (int i = from; i < to; i++) {
            if (w[i] != 0f) {
                return true;
            }
        }
        return false;
    }
}
