package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;

/** Builds each linear layer of the model from its HF module name and base weights (plain, LoRA, QLoRA...). */
@FunctionalInterface
public interface LinearFactory {
    /**
     * @param module HF module name, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param weight [out, in], or null when a {@link WeightInterceptor} took it over at load (then this factory
     *     must be the one holding it, e.g. as NF4)
     * @param bias [out] or null
     */
    LinearLayer create(String module, NDArray weight, NDArray bias);

    /** Plain dense layers over the given weights, computing in fp32. */
    static LinearFactory dense() {
        return (module, weight, bias) -> {
            if (weight == null) {
                throw new IllegalStateException("no weight for linear module " + module + ": it was taken over at load"
                        + " (quantized?), so the model must be built with the LinearFactory that holds it");
            }
            return x -> Ops.linear(x, weight, bias);
        };
    }

    /** Dense layers computing in {@code compute}: the fp32 weights are cast per use (differentiably). */
    static LinearFactory dense(TorchDType compute) {
        if (compute == TorchDType.FLOAT32) {
            return dense();
        }
        // the per-step copies belong to the activation's manager, not the weights'
        return (module, weight, bias) -> x -> Ops.linear(x, TorchShim.get().cast(weight, compute, x.getManager()),
                bias == null ? null : TorchShim.get().cast(bias, compute, x.getManager()));
    }
}
