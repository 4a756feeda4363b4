package dev.mft.peft.lora;

import ai.djl.ndarray.NDArray;

/**
 * One adapter's matrices (delta W = scaling * B @ A).
 *
 * @param a lora_A, [r, in]
 * @param b lora_B, [out, r]
 */
public record LoraWeights(NDArray a, NDArray b) {
    /** The rank r (A's first dimension). */
    public long rank() {
        return a.getShape().get(0);
    }
}
