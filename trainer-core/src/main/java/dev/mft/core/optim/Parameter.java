package dev.mft.core.optim;

import ai.djl.ndarray.NDArray;

/** A trainable tensor with its HF name and whether weight decay applies to it. */
public record Parameter(String name, NDArray array, boolean decay) {}
