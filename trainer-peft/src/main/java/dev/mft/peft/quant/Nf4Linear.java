package dev.mft.peft.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchDType;
import dev.mft.peft.Compute;
import dev.mft.peft.FrozenLinear;

/**
 * A frozen linear layer over an NF4 weight, dequantized on the fly at every forward: only the 4-bit codes stay between
 * steps. Within a step, autograd keeps the dequantized weight until backward (the input's gradient needs it) and frees
 * it with the step; with activation checkpointing only one layer's is alive at a time, as backward recomputes each
 * layer, dequantizing again.
 */
final class Nf4Linear implements FrozenLinear {
    private final Nf4Codec codec;
    private final Nf4Tensor weight;
    private final NDArray bias;
    private final TorchDType compute;

    Nf4Linear(Nf4Codec codec, Nf4Tensor weight, NDArray bias, TorchDType compute) {
        this.codec = codec;
        this.weight = weight;
        this.bias = bias;
        this.compute = compute;
    }

    @Override
    public NDArray forward(NDArray x) {
        NDManager step = x.getManager();
        NDArray w = Compute.cast(codec.dequantize(weight, step), compute, step); // [out, in], with the activations
        return Ops.linear(x, w, Compute.cast(bias, compute, step));
    }

    @Override
    public long inFeatures() {
        return weight.shape()[1];
    }

    @Override
    public long outFeatures() {
        return weight.shape()[0];
    }
}
