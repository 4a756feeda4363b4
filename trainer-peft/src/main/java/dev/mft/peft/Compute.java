package dev.mft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;

/** Casts fp32 weights to the compute dtype of mixed precision, differentiably (fp32 stays as it is). */
public final class Compute {
    private Compute() {}

    /**
     * {@code a} in {@code compute} (null stays null), attached to {@code scope}: a cast result would otherwise land on
     * the weight's long-lived manager and stay there for the life of the model, one copy per forward.
     */
    public static NDArray cast(NDArray a, TorchDType compute, NDManager scope) {
        if (a == null || compute == TorchDType.FLOAT32) {
            return a;
        }
        NDArray c = TorchShim.get().cast(a, compute);
        c.attach(scope);
        return c;
    }
}
