package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.mft.core.tensor.Ops;

/** Causal attention from composed ops: the tested fallback for SDPA (softmax(q k^T / sqrt(d) + mask) v). */
final class EagerAttention {
    private EagerAttention() {}

    /** q: [B, H, Tq, D], k, v: [B, H, Tk, D] -> [B, H, Tq, D]; causal needs Tq == Tk. */
    static NDArray attend(NDArray q, NDArray k, NDArray v, boolean causal) {
        long t = q.getShape().get(2);
        NDArray scores = scores(q, k); // [B, H, Tq, Tk]
        if (!causal) {
            return scores.softmax(-1).matMul(v);
        }
        NDArray future = AttentionMask.causal(scores.getManager(), t).logicalNot(); // [T, T] bool
        return scores.add(future.toType(DataType.FLOAT32, false).mul(-1e9f)).softmax(-1).matMul(v);
    }

    /** The same where only {@code allowed} ([B, 1, T, T] bool) pairs attend: packed samples. */
    static NDArray masked(NDArray q, NDArray k, NDArray v, NDArray allowed) {
        NDArray scores = scores(q, k); // [B, H, T, T]
        NDArray blocked = allowed.logicalNot().toType(DataType.FLOAT32, false).mul(-1e9f); // [B, 1, T, T]
        return scores.add(blocked).softmax(-1).matMul(v);
    }

    private static NDArray scores(NDArray q, NDArray k) {
        double scale = 1.0 / Math.sqrt(q.getShape().get(3));
        return Ops.scale(q.matMul(k.transpose(0, 1, 3, 2)), scale); // [B, H, Tq, Tk]
    }
}
