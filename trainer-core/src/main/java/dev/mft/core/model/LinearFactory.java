package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import dev.mft.core.tensor.Ops;

/** Builds each linear layer of the model from its HF module name and base weights (plain, LoRA, QLoRA...). */
@FunctionalInterface
public interface LinearFactory {
    /**
     * @param module HF module name, e.g. {@code model.layers.0.self_attn.q_proj}
     * @param weight [out, in]
     * @param bias [out] or null
     */
    LinearLayer create(String module, NDArray weight, NDArray bias);

    /** Plain dense layers over the given weights. */
    static LinearFactory dense() {
        return (module, weight, bias) -> x -> Ops.linear(x, weight, bias);
    }
}
