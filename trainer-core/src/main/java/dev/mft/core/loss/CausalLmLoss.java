package dev.mft.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.train.TokenBatch;

/**
 * Token cross-entropy of a causal LM. {@link #tokenLosses} gives the CE of every shifted target (0 where untrained);
 * the step's loss is their sum weighted per token by a {@link LossWeighting} (case1: 1 / the trained tokens of the
 * WHOLE optimizer step, so gradient accumulation gives exactly the gradient of one big batch, and the normalization
 * bug transformers fixed in PR #34191 never happens here).
 */
public final class CausalLmLoss {
    private CausalLmLoss() {}

    /**
     * @param logits [B, T, V] (fp32)
     * @param batch the micro-batch whose labels are shifted here
     * @return [B, T]: -log p(target) where the target is trained, 0 elsewhere
     */
    public static NDArray tokenLosses(NDArray logits, TokenBatch batch) {
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
        return picked.mul(weights).neg(); // [B, T]
    }

    /** Scalar sum of {@code tokenLosses} [B, T] times per-position {@code weights} (row-major B*T). */
    public static NDArray weightedSum(NDArray tokenLosses, float[] weights) {
        NDArray w = tokenLosses.getManager().create(weights, tokenLosses.getShape())
                .toDevice(tokenLosses.getDevice(), false); // [B, T]
        return tokenLosses.mul(w).sum();
    }

    /**
     * @param logits [B, T, V] (fp32)
     * @return scalar: sum over trained tokens of -log p(target)
     */
    public static NDArray sum(NDArray logits, TokenBatch batch) {
        return tokenLosses(logits, batch).sum();
    }

    /** The same for a float/double reference check: converts a scalar loss to a Java double. */
    public static double value(NDArray scalar) {
        return scalar.toType(DataType.FLOAT64, false).getDouble();
    }
}
