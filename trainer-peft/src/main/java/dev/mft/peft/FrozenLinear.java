package dev.mft.peft;

import dev.mft.core.model.LinearLayer;

/** A linear layer whose weight never trains (the base under a LoRA adapter), with its feature sizes. */
public interface FrozenLinear extends LinearLayer {
    /** Input features (the weight's second dimension). */
    long inFeatures();

    /** Output features (the weight's first dimension). */
    long outFeatures();
}
