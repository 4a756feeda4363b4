package dev.mft.core.safetensors;

/** A tensor's info plus where its bytes lie, relative to the start of the data region. */
record StoredTensor(TensorInfo info, long begin, long end) {}
