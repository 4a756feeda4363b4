package dev.mft.distributed.strategy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;
import java.util.List;

/** Gives every trainable tensor a {@code .grad} tensor, which buckets then re-point at their flat buffers. */
final class Gradients {
    private Gradients() {}

    /**
     * Runs one backward of {@code sum(p) * 0} over all parameters: libtorch has no public way to set {@code .grad}
     * from outside, but after a backward it exists, and {@code set_} can then make it a view of anything.
     */
    static void define(List<Parameter> params, NDManager manager) {
        Autograd.enableForThisThread();
        try (NDManager s = manager.newSubManager()) {
            NDArray total = null;
            for (Parameter p : params) {
                NDArray x = p.array().sum();
                x.attach(s); // results land on the first operand's manager: keep them off the parameters'
                x = Ops.scale(x, 0); // not x.mul(0): DJL's scalar memory can be freed before the backward
                total = total == null ? x : total.add(x);
            }
            if (total != null) {
                Autograd.backward(total);
            }
        }
    }
}
