package dev.mft.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.train.TokenBatch;

/**
 * Token cross-entropy of a causal LM, SUMMED over trained tokens. The caller divides by the number of trained tokens
 * of the whole optimizer step (all micro-batches, all ranks), so gradient accumulation gives exactly the gradient of
 * one big batch (the normalization bug transformers fixed in PR #34191 never happens here).
 */
public final class CausalLmLoss {
    private CausalLmLoss() {}

    /**
     * @param logits [B, T, V] (fp32)
     * @param batch the micro-batch whose labels are shifted here
     * @return scalar: sum over trained tokens of -log p(target)
     */
    public static NDArray sum(NDArray logits, TokenBatch batch) {
        NDManager m = logits.getManager();
        int[] targets = batch.shiftedTargets();
        long[] safe = new long[targets.length];
        float[] mask = new float[targets.length];
        for (int i = 0; i < targets.length; i++) {
            boolean trained = targets[i] != TokenBatch.IGNORE;
            safe[i] = trained ? targets[i] : 0;
            mask[i] = trained ? 1f : 0f;
        }
        Shape bt = new Shape(batch.rows(), batch.cols());
        NDArray index = m.create(safe, bt).toDevice(logits.getDevice(), false).expandDims(-1); // [B, T, 1]
        NDArray weights = m.create(mask, bt).toDevice(logits.getDevice(), false); // [B, T]
        NDArray logp = logits.logSoftmax(-1); // [B, T, V]
        NDArray picked = logp.gather(index, -1).squeeze(-1); // [B, T]
        return picked.mul(weights).sum().neg();
    }

    /** The same for a float/double reference check: converts a scalar loss to a Java double. */
    public static double value(NDArray scalar) {
        return scalar.toType(DataType.FLOAT64, false).getDouble();
    }
}
