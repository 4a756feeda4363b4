package dev.mft.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Takes over chosen tensors while a checkpoint loads, so that no fp32 copy of them is ever kept (QLoRA quantizes the
 * frozen base weights here, one tensor at a time, instead of holding the whole fp32 model first).
 */
@FunctionalInterface
public interface WeightInterceptor {
    /** Takes nothing: every tensor stays in {@link ModelWeights}. */
    WeightInterceptor NONE = (name, fp32) -> false;

    /**
     * @param name HF tensor name
     * @param fp32 the freshly loaded tensor on the model's device; the loader frees it after this call
     * @return true when taken over: the name is then left out of {@link ModelWeights#tensors()}
     */
    boolean take(String name, NDArray fp32);
}
