package dev.mft.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mft.core.tensor.Autograd;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import dev.mft.core.tensor.Ops;

/** Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: scale = max_norm / (norm + 1e-6) when below 1. */
public final class GradientClipper {
    private GradientClipper() {}

    /**
     * Returns the global L2 norm of all gradients (before clipping) and scales them in place when it exceeds
     * {@code maxNorm}; {@code maxNorm <= 0} only measures. One host sync per call.
     */
    public static double clip(List<Parameter> params, double maxNorm, NDManager scratch) {
        double norm = norm(params, scratch);
        double scale = scale(norm, maxNorm);
        if (scale != 1) {
            scale(params, scale, scratch);
        }
        return norm;
    }

    /**
     * The global L2 norm of all gradients, unchanged: torch's clip_grad_norm_ way, the norm of the per-tensor norms
     * (one vectorized pass over each gradient, no temporaries of gradient size) and ONE host read.
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
            NDList norms = new NDList(params.size());
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
                NDArray n = g.norm();
                n.attach(scratch);
                norms.add(n);
            }
            if (norms.isEmpty()) {
                return 0;
            }
            NDArray total = NDArrays.stack(norms).norm();
            total.attach(scratch);
            return total.toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /** Multiplies every gradient by {@code factor} in place (unscaling after fp16 loss scaling). */
    public static void scale(List<Parameter> params, double factor, NDManager scratch) {
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            for (Parameter p : params) {
                NDArray g = Autograd.gradient(p.array(), scratch);
                if (g != null) {
                    g.muli(factor);
                }
            }
        }
    }

    /** The factor gradients are multiplied by for a global norm: torch's max_norm / (norm + 1e-6), or 1 when within. */
    public static double scale(double norm, double maxNorm) {
        return maxNorm > 0 && norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
    }
}
