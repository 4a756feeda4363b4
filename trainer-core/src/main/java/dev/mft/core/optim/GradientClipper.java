package dev.mft.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;
import dev.mft.core.tensor.TorchShim;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: scale = max_norm / (norm + 1e-6) when below 1. */
public final class GradientClipper {
    private GradientClipper() {}

    /**
     * The global L2 norm of all gradients, unchanged: each gradient's sum of squares in one vectorized pass (no
     * temporaries of gradient size), ONE host read of those sums, added and rooted in double.
     */
    public static double norm(List<Parameter> params, NDManager scratch) {
        return norm(params, p -> null, scratch);
    }

    /**
     * The same, reading only the rows that {@code touchedRows} lists for a parameter (where it gives a record that
     * still holds): the other rows of such a gradient are zero and add nothing.
     */
    public static double norm(List<Parameter> params, Function<Parameter, TouchedRows> touchedRows,
            NDManager scratch) {
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            List<NDArray> grads = new ArrayList<>(params.size());
            for (Parameter p : params) {
                NDArray g = Autograd.gradient(p.array(), scratch);
                if (g == null) {
                    continue;
                }
                TouchedRows rows = touchedRows.apply(p);
                int[] nonzero = rows == null ? null : rows.rowsOf(g);
                if (nonzero != null) {
                    if (nonzero.length == 0) {
                        continue;
                    }
                    NDArray index = scratch.create(Arrays.stream(nonzero).asLongStream().toArray());
                    g = Ops.embedding(index, g); // [rows, cols]: the rows that can be nonzero
                    g.attach(scratch);
                }
                grads.add(g);
            }
            return Math.sqrt(sumOfSquares(grads, scratch));
        }
    }

    /**
     * The sum of the squares of every element of {@code tensors} (contiguous fp32): per tensor in fp32, as torch's
     * per-tensor norms accumulate it, but through BLAS's dot (many partial sums; libtorch's CPU norm kernel keeps one
     * 8-lane accumulator on one thread, at half the speed), and no temporary of the tensor's size; those sums added
     * in double after ONE host read.
     */
    public static double sumOfSquares(List<NDArray> tensors, NDManager scratch) {
        if (tensors.isEmpty()) {
            return 0;
        }
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDList squares = new NDList(tensors.size());
            for (NDArray t : tensors) {
                NDArray flat = t.reshape(-1); // a view
                flat.attach(scratch);
                NDArray sq = TorchShim.get().dot(flat, flat);
                sq.attach(scratch);
                squares.add(sq);
            }
            NDArray all = NDArrays.stack(squares); // [tensors]
            all.attach(scratch);
            double sum = 0;
            for (float s : all.toFloatArray()) { // the one host read
                sum += s;
            }
            return sum;
        }
    }

    /** The factor gradients are multiplied by for a global norm: torch's max_norm / (norm + 1e-6), or 1 when within. */
    public static double scale(double norm, double maxNorm) {
        return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
    }
}
