package dev.mft.peft.quant;

import ai.djl.ndarray.NDArray;
import dev.mft.core.tensor.Ops;
import dev.mft.peft.FrozenLinear;

/**
 * A frozen linear layer over an NF4 weight, dequantized on the fly at every forward: only the 4-bit codes stay between
 * steps. (Within a step, autograd keeps the dequantized weight until backward, since the input's gradient needs it;
 * it is freed with the step.)
 */
final class Nf4Linear implements FrozenLinear {
    private final Nf4Codec codec;
    private final Nf4Tensor weight;
    private final NDArray bias;

    Nf4Linear(Nf4Codec codec, Nf4Tensor weight, NDArray bias) {
        this.codec = codec;
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray w = codec.dequantize(weight, x.getManager()); // [out, in], lives with this step's activations
        return Ops.linear(x, w, bias);
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
