package dev.mft.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchShim;
import java.util.ArrayList;
import java.util.List;

/**
 * Every trainable parameter, and both AdamW moments, as views of three flat fp32 buffers, the weight-decay group
 * first: the composed update then runs a dozen ops over whole buffers per step instead of a dozen per parameter
 * (on a GPU: kernel launches per group, not per tensor; hundreds of LoRA adapters would otherwise cost thousands).
 *
 * <p>The parameters keep their identity ({@code aten::set_} points each at its slice of the buffer), so the model,
 * autograd and checkpoint code see the same tensors as before; the moments are replaced by views holding the same
 * values. Gradients are not moved (autograd owns them): each step concatenates them into one flat tensor.
 */
final class FlatParameters {
    private final NDArray params; // [N]
    private final NDArray exp; // [N]
    private final NDArray expSq; // [N]
    private final long decayElements; // the first decayElements elements belong to parameters with weight decay
    private final int[] order; // layout position -> parameter index

    private FlatParameters(NDArray params, NDArray exp, NDArray expSq, long decayElements, int[] order) {
        this.params = params;
        this.exp = exp;
        this.expSq = expSq;
        this.decayElements = decayElements;
        this.order = order;
    }

    /**
     * Lays out {@code ps} (decay group first) in new buffers owned by {@code owner}, copies parameters and moments in,
     * points each parameter at its slice and replaces {@code m.get(i)} / {@code v.get(i)} by views of the moments.
     */
    static FlatParameters build(List<Parameter> ps, List<NDArray> m, List<NDArray> v, NDManager owner) {
        List<Integer> layout = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < ps.size(); i++) {
                if (ps.get(i).decay() == (pass == 0)) {
                    layout.add(i);
                }
            }
        }
        long total = 0, decay = 0;
        for (int i : layout) {
            long n = ps.get(i).array().size();
            total += n;
            decay += ps.get(i).decay() ? n : 0;
        }
        NDArray first = ps.get(0).array();
        NDArray flatParams = owner.zeros(new Shape(total), first.getDataType(), first.getDevice());
        NDArray flatExp = owner.zeros(new Shape(total), first.getDataType(), first.getDevice());
        NDArray flatExpSq = owner.zeros(new Shape(total), first.getDataType(), first.getDevice());
        TorchShim shim = TorchShim.get();
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            long offset = 0;
            for (int i : layout) {
                NDArray p = ps.get(i).array();
                long n = p.size();
                NDArray pView = view(flatParams, offset, n, p.getShape(), owner);
                shim.copyInto(pView, p);
                shim.setStorage(p, pView); // the parameter now lives in the buffer
                NDArray mView = view(flatExp, offset, n, p.getShape(), owner);
                shim.copyInto(mView, m.get(i));
                m.get(i).close();
                m.set(i, mView);
                NDArray vView = view(flatExpSq, offset, n, p.getShape(), owner);
                shim.copyInto(vView, v.get(i));
                v.get(i).close();
                v.set(i, vView);
                offset += n;
            }
        }
        return new FlatParameters(flatParams, flatExp, flatExpSq, decay,
                layout.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A view of {@code length} elements of {@code flat} from {@code offset}, shaped {@code shape}. */
    private static NDArray view(NDArray flat, long offset, long length, Shape shape, NDManager owner) {
        NDArray slice = flat.get(new NDIndex().addSliceDim(offset, offset + length));
        NDArray shaped = slice.reshape(shape);
        shaped.attach(owner);
        slice.attach(owner);
        return shaped;
    }

    /** The gradients in layout order as one flat tensor on {@code scratch}; {@code grads} indexed like the params. */
    NDArray concatGradients(List<NDArray> grads, NDManager scratch) {
        NDList flat = new NDList(order.length);
        for (int i : order) {
            NDArray g = grads.get(i).reshape(-1);
            g.attach(scratch);
            flat.add(g);
        }
        NDArray out = flat.size() == 1 ? flat.get(0) : ai.djl.ndarray.NDArrays.concat(flat);
        out.attach(scratch);
        return out;
    }

    /**
     * torch.optim.AdamW's update over the whole buffers: {@code g} the flat gradients (already scaled), decay the
     * factor {@code 1 - lr * wd} of the decay group.
     */
    void update(NDArray g, double decay, double beta1, double beta2, double eps, double stepSize, double bias2Sqrt,
            NDManager scratch) {
        if (decay != 1.0 && decayElements > 0) {
            NDArray decayed = params.get(new NDIndex().addSliceDim(0, decayElements));
            decayed.attach(scratch);
            decayed.muli(decay);
        }
        exp.muli(beta1).addi(tmp(scratch, g.mul(1 - beta1)));
        expSq.muli(beta2).addi(tmp(scratch, g.square().muli(1 - beta2)));
        NDArray denom = tmp(scratch, expSq.sqrt()).divi(bias2Sqrt).addi(eps);
        params.subi(tmp(scratch, exp.div(denom)).muli(stepSize));
    }

    private static NDArray tmp(NDManager scratch, NDArray a) {
        a.attach(scratch);
        return a;
    }
}
