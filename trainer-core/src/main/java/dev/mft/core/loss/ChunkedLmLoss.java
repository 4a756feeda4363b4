package dev.mft.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import dev.mft.core.train.TokenBatch;

/**
 * The lm_head and the weighted cross-entropy of a micro-batch, {@code chunk} trained tokens at a time (positions
 * whose target is untrained, such as prompts, padding and each row's last, get no logits at all), each chunk's forward
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
     * Forward and backward of the lm_head and the loss, {@code chunk} trained tokens at a time, with the backward
     * written out: per chunk, the log-softmax of the logits is taken once (the logits freed at once), its exp is the
     * softmax (the log-softmax freed at once), which becomes the logits' gradient
     * {@code c_i * (softmax - onehot(target_i))}, {@code c_i = scale * w_i}, in place; one matmul gives the hidden
     * states' gradient, a second adds the head weight's straight into its {@code .grad}
     * ({@link TorchShim#addMatMulInto}). At most two [chunk, V] buffers instead of autograd's four (logits,
     * log-softmax, their gradients), and no separate accumulation of the head's gradient. On the CPU in fp32 one
     * [chunk, V] buffer: the softmax is written over the logits, the loss read back from the target probabilities
     * (see {@code hostLoss}), the row weights put on the [chunk, H] sides. In bf16/fp16 the matmuls run
     * in the compute dtype (the head cast once per micro-batch) and the softmax in fp32, as autograd's path does; the
     * head's gradient is cast to fp32 and added into the master's {@code .grad}. The decoder's backward is left to
     * the caller ({@code Autograd.backward(normed, upstream)}).
     *
     * @param normed the final normed hidden states [B, T, H], with the decoder's graph
     */
    public static Head headForwardBackward(LlamaModel model, NDArray normed, TokenBatch batch, float[] tokenWeights,
            double scale, int chunk, NDManager step) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk must be > 0 tokens, got " + chunk);
        }
        long hidden = normed.getShape().get(2);
        int n = batch.rows() * batch.cols();
        int[] targets = batch.shiftedTargets();
        int[] rows = trainedPositions(targets, tokenWeights);
        if (rows.length == 0) { // no trained token: no logits, no backward
            return new Head(step.zeros(new Shape(), DataType.FLOAT64, normed.getDevice()), null);
        }
        HeadChunks head = new HeadChunks(model, step);
        NDArray upstream; // [N, H]: the gradient of the normed hidden states
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray flat = normed.stopGradient().reshape(n, hidden); // [N, H], the same memory
            flat.attach(step);
            // only the trained positions get logits (never the last of a row, nor prompts or padding): their hidden
            // states gathered, their gradients scattered back
            upstream = TorchShim.get().zerosLike(flat); // flat's dtype, bf16 included
            upstream.attach(step);
            for (int from = 0; from < rows.length; from += chunk) {
                int to = Math.min(rows.length, from + chunk);
                try (NDManager c = step.newSubManager()) {
                    long[] picked = new long[to - from];
                    for (int i = from; i < to; i++) {
                        picked[i - from] = rows[i];
                    }
                    NDArray rowIndex = c.create(picked).toDevice(flat.getDevice(), false); // [c]
                    NDArray x = Ops.embedding(rowIndex, flat); // [c, H], copied rows
                    NDArray gx = head.forwardBackward(x, rows, from, to, targets, tokenWeights, scale, c);
                    TorchShim.get().scatterAdd(upstream, 0,
                            rowIndex.reshape(to - from, 1).broadcast(to - from, hidden), gx);
                }
            }
        }
        return new Head(head.finish(), upstream.reshape(normed.getShape()));
    }

    /** Positions with a target (and, when {@code tokenWeights} is given, a weight other than 0), in order. */
    private static int[] trainedPositions(int[] targets, float[] tokenWeights) {
        return java.util.stream.IntStream.range(0, targets.length)
                .filter(i -> targets[i] != TokenBatch.IGNORE && (tokenWeights == null || tokenWeights[i] != 0f))
                .toArray();
    }

    /**
     * The head's forward and written-out backward for chunks of positions of one micro-batch: the loss summed over
     * the chunks, the head weight's gradient added into its {@code .grad} (or kept until the first backward has made
     * one).
     */
    private static final class HeadChunks {
        /** Below this target probability the host loss takes the row's log-softmax (see {@link #hostLoss}). */
        static final float SMALLEST_PROBABILITY = 1e-30f;

        private final NDManager step;
        private final NDArray head; // [V, H] fp32 master
        private final NDArray headC; // the same in the compute dtype
        private final TorchDType compute;
        private final boolean fp32;
        private final boolean trainHead;
        private final NDArray headGrad; // its .grad, or null before the first backward
        private NDArray pendingHeadGrad; // the head's gradient while its .grad does not exist yet
        private NDArray total; // fp64 loss sum, on the device
        /** fp32 on the CPU: the softmax in one pass and the loss read back from the target probabilities. */
        private final boolean hostSoftmax;

        HeadChunks(LlamaModel model, NDManager step) {
            this.step = step;
            this.head = model.headWeight();
            this.compute = model.computeDType();
            this.fp32 = compute == TorchDType.FLOAT32;
            this.trainHead = head.hasGradient();
            this.headGrad = trainHead ? Autograd.gradient(head, step) : null;
            this.hostSoftmax = fp32 && !head.getDevice().isGpu();
            try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
                this.headC = fp32 ? head : TorchShim.get().cast(head, compute, step); // cast once per micro-batch
            }
        }

        /**
         * The loss of a chunk from its softmax, on the host (fp32 on the CPU, where reading [c] values back costs
         * nothing): {@code -sum_i c_i * log p_i} in double from the target probabilities. Where a probability is below
         * {@link #SMALLEST_PROBABILITY} (a token loss above ~69, or NaN) its log would lose digits or be -inf, so that
         * row's log-probability is taken from a log-softmax of its logits instead, exactly as on the device path.
         */
        private NDArray hostLoss(NDArray x, NDArray softmax, NDArray idx, long[] targets, float[] weighted,
                NDManager c) {
            float[] p = softmax.gather(idx, 1).toFloatArray();
            double sum = 0;
            for (int i = 0; i < p.length; i++) {
                if (p[i] >= SMALLEST_PROBABILITY) {
                    sum += weighted[i] * Math.log(p[i]);
                } else { // rare: one row through the log-softmax
                    // the softmax overwrote the logits: this row's again, from its hidden state
                    NDArray row = Ops.linear(x.get(i).expandDims(0), headC, null).logSoftmax(1); // [1, V]
                    row.attach(c);
                    sum += weighted[i] * (double) row.get(0, targets[i]).getFloat();
                }
            }
            return c.create(-sum);
        }

        /**
         * One chunk: x [c, H] holds the hidden states of positions {@code rows[from..to)}. Returns their gradient
         * [c, H] on {@code c}.
         */
        NDArray forwardBackward(NDArray x, int[] rows, int from, int to, int[] targets, float[] tokenWeights,
                double scale, NDManager c) {
            TorchShim shim = TorchShim.get();
            float[] weighted = new float[to - from]; // c_i = scale * w_i
            long[] index = new long[to - from];
            for (int i = from; i < to; i++) {
                int position = rows[i];
                weighted[i - from] = (float) (scale * tokenWeights[position]);
                index[i - from] = targets[position];
            }
            NDArray idx = c.create(index, new Shape(to - from, 1)).toDevice(x.getDevice(), false);
            NDArray cw = c.create(weighted, new Shape(to - from, 1)).toDevice(x.getDevice(), false);
            NDArray g; // [c, V]: the softmax, then the logits' gradient
            NDArray value; // the loss -sum_i c_i * log p(target_i), a fp64 scalar
            NDArray xs = x; // x, its rows times c_i where the weights go onto the [c, H] sides
            if (hostSoftmax) {
                g = Ops.linear(x, headC, null);
                shim.softmaxInPlace(g, 1); // one pass (a log-softmax and its exp took two), over the logits
                value = hostLoss(x, g, idx, index, weighted, c);
                // G = softmax - onehot(target), and the row weights c_i go onto the small [c, H] sides instead of
                // the [c, V] matrix: (c * G) W = c * (G W) and (c * G)^T x = G^T (c * x), one pass over G fewer
                shim.scatterAdd(g, 1, idx, c.full(new Shape(to - from, 1), -1f));
                xs = x.mul(cw);
            } else { // the loss stays on the device: log-softmax, then its exp
                try (NDArray logits = Ops.linear(x, headC, null)) { // the compute dtype; softmax in fp32
                    if (fp32) {
                        g = logits.logSoftmax(1); // one fused pass (a max over the row, with indices, is slower)
                    } else {
                        try (NDArray logits32 = shim.cast(logits, TorchDType.FLOAT32)) {
                            g = logits32.logSoftmax(1);
                        }
                    }
                }
                value = g.gather(idx, 1).mul(cw).sum().neg().toType(DataType.FLOAT64, false);
                try (NDArray logp = g) {
                    g = logp.exp(); // out of place: libtorch's in-place exp_ took MKL's slower vector exp on AMD
                }
                // c_i on G itself: fp16 needs its loss scale there before the cast, or small probabilities flush to 0
                g.muli(cw); // c_i * softmax
                shim.scatterAdd(g, 1, idx, cw.neg()); // - c_i at the target
                if (!fp32) { // the matmuls run in the compute dtype, as autograd's would
                    try (NDArray g32 = g) {
                        g = shim.cast(g32, compute);
                    }
                }
            }
            value.attach(step);
            total = total == null ? value : total.add(value);
            NDArray gx = g.matMul(headC); // [c, H], the compute dtype
            if (hostSoftmax) {
                gx.muli(cw);
            }
            if (trainHead) {
                if (fp32 && headGrad != null) {
                    shim.addMatMulInto(headGrad, g.transpose(), xs);
                } else {
                    NDArray d = g.transpose().matMul(xs); // [V, H]
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
            return gx;
        }

        /** The loss sum; a head gradient kept back is handed to autograd now (a leaf: this creates its .grad). */
        NDArray finish() {
            if (pendingHeadGrad != null) {
                Autograd.backward(head, pendingHeadGrad);
            }
            return total;
        }
    }

    /**
     * Every position's CE (0 where untrained), row-major [B*T], computed {@code chunk} positions with a target at a
     * time without a graph (evaluation): only one chunk's logits exist at once, and untrained positions get none. The same values as
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
        int[] rows = trainedPositions(targets, null); // only positions with a target get logits
        float[] out = new float[n];
        for (int from = 0; from < rows.length; from += chunk) {
            int to = Math.min(rows.length, from + chunk);
            try (NDManager c = step.newSubManager()) {
                long[] picked = new long[to - from];
                long[] index = new long[to - from];
                for (int i = from; i < to; i++) {
                    picked[i - from] = rows[i];
                    index[i - from] = targets[rows[i]];
                }
                NDArray x = Ops.embedding(c.create(picked).toDevice(flat.getDevice(), false), flat); // [c, H]
                NDArray idx = c.create(index, new Shape(to - from, 1)).toDevice(flat.getDevice(), false);
                float[] logp = model.logits(x).logSoftmax(-1).gather(idx, -1).toFloatArray(); // [c] fp32
                for (int i = from; i < to; i++) {
                    out[rows[i]] = -logp[i - from];
                }
            }
        }
        return out;
    }
}
