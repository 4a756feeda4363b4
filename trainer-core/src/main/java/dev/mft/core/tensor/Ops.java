package dev.mft.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The ops whose result must land on the ACTIVATION's manager, never a parameter's: DJL attaches a result to the manager
 * of its first operand, so every op here takes the activation first (see ENGINE-FACTS.md, "Memory discipline"); and
 * the differentiable multiply by a Java number ({@link #scale}), which DJL's own {@code mul(Number)} gets wrong.
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

    /**
     * {@code x * factor}, differentiable, the factor held by a 0-dim fp32 tensor whose memory libtorch owns (the
     * result keeps x's dtype, bf16 and fp16 included).
     *
     * <p>Never record a graph through DJL's {@code NDArray.mul(Number)} (or {@code div}, {@code pow} ... with a
     * Number) on the CPU: DJL makes the scalar with {@code from_blob} over a Java direct buffer, without a copy, and
     * closes it right after the op. Autograd keeps that tensor for the backward, which then reads memory the garbage
     * collector may already have freed and handed out again: measured as wrong or NaN gradients of LoRA's B at random
     * steps, more often the more the JVM collects ({@code NumberOpsTest}). Ops whose backward does not read the
     * number ({@code add(eps)}) and ops without a graph are safe.
     */
    public static NDArray scale(NDArray x, double factor) {
        try (NDArray s = x.getManager().full(new Shape(), (float) factor, DataType.FLOAT32, x.getDevice())) {
            return x.mul(s); // the graph holds its own reference to s's (libtorch-owned) memory
        }
    }

    /** Training-mode dropout with libtorch's generator (seeded by {@link TorchRuntime#seed}); result on x's manager. */
    public static NDArray dropout(NDArray x, double p) {
        return JniUtils.dropout((PtNDArray) x, p, true);
    }
}
