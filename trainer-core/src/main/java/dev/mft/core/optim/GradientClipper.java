package dev.mft.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchShim;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

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
     * The global L2 norm of all gradients, unchanged. On the CPU with fp32 gradients one pass over host memory
     * ({@link HostAdamWKernel#sumOfSquares}); elsewhere per-tensor sums of squares and one host read.
     */
    public static double norm(List<Parameter> params, NDManager scratch) {
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            List<NDArray> grads = new ArrayList<>(params.size());
            for (Parameter p : params) {
                NDArray g = Autograd.gradient(p.array(), scratch);
                if (g != null) {
                    grads.add(g);
                }
            }
            if (grads.isEmpty()) {
                return 0;
            }
            List<FloatBuffer> host = hostViews(grads);
            if (host != null) {
                return Math.sqrt(HostAdamWKernel.shared().sumOfSquares(host));
            }
            NDArray total = null;
            for (NDArray g : grads) {
                NDArray sq = g.square().sum();
                sq.attach(scratch);
                total = total == null ? sq : total.add(sq);
                total.attach(scratch);
            }
            return Math.sqrt(total.toType(DataType.FLOAT64, false).getDouble());
        }
    }

    /** Float views of all arrays when every one is a contiguous fp32 CPU tensor, else null. */
    private static List<FloatBuffer> hostViews(List<NDArray> arrays) {
        TorchShim shim = TorchShim.get();
        List<FloatBuffer> out = new ArrayList<>(arrays.size());
        for (NDArray a : arrays) {
            FloatBuffer f = shim.hostFloats(a);
            if (f == null) {
                return null;
            }
            out.add(f);
        }
        return out;
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
