package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Causal attention from composed ops: the tested fallback for SDPA (softmax(q k^T / sqrt(d) + mask) v). */
final class EagerAttention {
    private EagerAttention() {}

    /** q: [B, H, Tq, D], k, v: [B, H, Tk, D] -> [B, H, Tq, D]; causal needs Tq == Tk. */
    static NDArray attend(NDArray q, NDArray k, NDArray v, boolean causal) {
        long t = q.getShape().get(2);
        double scale = 1.0 / Math.sqrt(q.getShape().get(3));
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale); // [B, H, Tq, Tk]
        if (!causal) {
            return scores.softmax(-1).matMul(v);
        }
        // mask[i][j] = -inf where j > i: built on the scores' manager from an index comparison
        NDArray rows = scores.getManager().arange(0, (int) t, 1, DataType.INT64).reshape(t, 1);
        NDArray cols = scores.getManager().arange(0, (int) t, 1, DataType.INT64).reshape(1, t);
        NDArray future = cols.gt(rows); // [T, T] bool
        NDArray masked = scores.add(future.toType(DataType.FLOAT32, false).mul(-1e9f));
        return masked.softmax(-1).matMul(v);
    }
}
