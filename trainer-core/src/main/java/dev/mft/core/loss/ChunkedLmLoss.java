package dev.mft.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.train.TokenBatch;

/**
 * The lm_head and the weighted cross-entropy of a micro-batch, {@code chunk} tokens at a time, each chunk's forward
 * and backward done before the next starts, so only one chunk's [chunk, V] logits (and their log-softmax and
 * gradients) are ever alive instead of the whole [B, T, V]. With a 150k vocabulary and 2k tokens that is the
 * difference between gigabytes and a few hundred megabytes.
 *
 * <p>The decoder runs once with its graph; its normed output is cut from the graph ({@code leaf}), every chunk
 * backpropagates into the leaf's gradient and the head weight's, and at the end the leaf's gradient continues through
 * the final norm and the decoder. Same loss and gradients as the whole-batch path up to summation order (each chunk
 * adds its share of the head weight's gradient).
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
        NDArray normed = model.finalNorm(model.decoder(ids, positions, batch.maxPosition(), sampleIds)); // [B, T, H]
        long hidden = normed.getShape().get(2);
        int n = batch.rows() * batch.cols();
        NDArray leaf = normed.stopGradient().reshape(n, hidden); // cut here; the decoder's backward comes last
        leaf.attach(step);
        leaf.setRequiresGradient(true);
        int[] targets = batch.shiftedTargets();
        NDArray total = null;
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            if (!anyWeight(tokenWeights, from, to)) {
                continue; // nothing trained here: no logits at all
            }
            try (NDManager c = step.newSubManager()) {
                NDArray picked = targetLogProbs(model, leaf, targets, from, to, c); // gradients reach leaf
                float[] w = new float[to - from];
                for (int i = from; i < to; i++) {
                    w[i - from] = targets[i] != TokenBatch.IGNORE ? tokenWeights[i] : 0f;
                }
                NDArray chunkLoss = picked.mul(c.create(w).toDevice(picked.getDevice(), false)).sum().neg();
                NDArray scaled = scale == 1.0 ? chunkLoss : chunkLoss.mul(scale);
                Autograd.backward(scaled);
                NDArray value = scaled.toType(DataType.FLOAT64, false);
                value.attach(step);
                total = total == null ? value : total.add(value);
            }
        }
        NDArray upstream = leaf.getGradient();
        if (upstream != null) {
            upstream.attach(step);
            Autograd.backward(normed, upstream.reshape(normed.getShape()));
        }
        return total != null ? total : step.zeros(new Shape(), DataType.FLOAT64, ids.getDevice());
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
