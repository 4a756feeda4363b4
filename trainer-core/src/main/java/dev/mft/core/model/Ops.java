package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Ops whose result must land on the ACTIVATION's manager, never a parameter's: DJL attaches a result to the manager
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

    /** HF LlamaRMSNorm: x * rsqrt(mean(x^2, -1) + eps) * weight, computed in the input dtype (fp32 here). */
    public static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        NDArray inv = x.square().mean(new int[] {-1}, true).add(eps).sqrt(); // [B, T, 1]
        return x.div(inv).mul(weight);
    }
}
