package dev.mft.core.model;

import ai.djl.ndarray.NDArray;

/**
 * One linear projection of the model ({@code y = x W^T + b}). The model code only ever sees this interface, so
 * PEFT can supply LoRA / QLoRA layers without the model mentioning adapters.
 */
public interface LinearLayer {
    /** x: [..., in] -> [..., out]. */
    NDArray forward(NDArray x);
}
