package dev.mft.peft.lora;

import ai.djl.ndarray.NDArray;
import dev.mft.core.model.LinearLayer;
import dev.mft.core.tensor.Autograd;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchDType;
import dev.mft.peft.Compute;
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
    private final TorchDType compute;

    /** @param compute the dtype x arrives in; A and B are fp32 masters cast per use, so gradients reach them */
    public LoraLinear(FrozenLinear base, LoraWeights weights, double scaling, double dropout, TorchDType compute) {
        this.base = base;
        this.weights = weights;
        this.scaling = scaling;
        this.dropout = dropout;
        this.compute = compute;
    }

    @Override
    public NDArray forward(NDArray x) {
        NDManager step = x.getManager();
        NDArray y = base.forward(x); // [..., out]
        NDArray in = dropout > 0 && Autograd.isRecording() ? Ops.dropout(x, dropout) : x; // [..., in]
        NDArray down = Ops.linear(in, Compute.cast(weights.a(), compute, step), null); // [..., r]
        // scaling applied to the small [out, r] matrix, not to the [..., out] product: one elementwise op fewer on
        // activations, forward and backward; the same value up to rounding. (Accumulating into y inside the matmul,
        // addmm, measured no faster on the CPU: its beta=1 path copies y first.)
        NDArray b = Compute.cast(weights.b(), compute, step);
        if (scaling != 1.0) {
            b = Ops.scale(b, scaling); // not b.mul(scaling): see Ops.scale
            b.attach(step); // the product of a weight lands on the weight's manager: keep it in the step
        }
        return y.add(Ops.linear(down, b, null));
    }
}
