package dev.mft.peft;

import ai.djl.ndarray.NDArray;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchDType;

/** Builds the frozen base of each linear layer: over fp32 weights ({@link #dense()}) or over NF4 weights. */
@FunctionalInterface
public interface FrozenLinears {
    /** Same arguments as core's {@code LinearFactory.create}. */
    FrozenLinear create(String module, NDArray weight, NDArray bias);

    /** Plain {@code x W^T + b} in fp32 over weights that must not require a gradient. */
    static FrozenLinears dense() {
        return dense(TorchDType.FLOAT32);
    }

    /** Plain {@code x W^T + b} computing in {@code compute} (the fp32 weights cast per use, as core's dense does). */
    static FrozenLinears dense(TorchDType compute) {
        return (module, weight, bias) -> {
            if (weight == null) {
                throw new IllegalStateException("no fp32 weight for " + module + " (taken over at load?)");
            }
            if (weight.hasGradient()) {
                throw new IllegalStateException(module + ".weight requires a gradient, but a LoRA base must stay"
                        + " frozen (do not call ModelWeights.trainAll with adapters)");
            }
            long[] shape = weight.getShape().getShape(); // [out, in]
            return new FrozenLinear() {
                @Override
                public NDArray forward(NDArray x) {
                    return Ops.linear(x, Compute.cast(weight, compute, x.getManager()),
                            Compute.cast(bias, compute, x.getManager()));
                }

                @Override
                public long inFeatures() {
                    return shape[1];
                }

                @Override
                public long outFeatures() {
                    return shape[0];
                }
            };
        };
    }
}
