package dev.mft.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The ops whose result must land on the ACTIVATION's manager, never a parameter's: DJL attaches a result to the manager
 * of its first operand, so every op here takes the activation first (see ENGINE-FACTS.md, "Memory discipline").
 */
public final class Ops {
    private Ops() {}

    /** x: [..., in], weight: [out, in], bias: [out] or null -> [..., out]. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear((PtNDArray) x, (PtNDArray) weight, (PtNDArray) bias);
    }

    /** ids: [B, T] int64, table: [V, H] -> [B, T, H] on the ids' manager. */
    public static NDArray embedding(NDArray ids, NDArray table) {
        return JniUtils.embedding((PtNDArray) ids, (PtNDArray) table, false);
    }

    /** Training-mode dropout with libtorch's generator (seeded by {@link TorchRuntime#seed}); result on x's manager. */
    public static NDArray dropout(NDArray x, double p) {
        return JniUtils.dropout((PtNDArray) x, p, true);
    }
}
