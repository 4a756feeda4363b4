package dev.mft.peft.lora;

import ai.djl.ndarray.NDArray;
import dev.mft.core.model.LinearLayer;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;
import dev.mft.peft.FrozenLinear;

/**
 * {@code y = base(x) + B(A(dropout(x))) * scaling}, with the base frozen. Dropout acts only while a graph is recorded
 * (training); evaluation runs under no-grad and sees the deterministic adapter.
 */
public final class LoraLinear implements LinearLayer {
    private final FrozenLinear base;
    private final LoraWeights weights;
    private final double scaling;
    private final double dropout;

    public LoraLinear(FrozenLinear base, LoraWeights weights, double scaling, double dropout) {
        this.base = base;
        this.weights = weights;
        this.scaling = scaling;
        this.dropout = dropout;
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray y = base.forward(x); // [..., out]
        NDArray in = dropout > 0 && Autograd.isRecording() ? Ops.dropout(x, dropout) : x; // [..., in]
        NDArray delta = Ops.linear(Ops.linear(in, weights.a(), null), weights.b(), null); // [..., r] -> [..., out]
        return y.add(delta.mul(scaling));
    }
}
