package dev.mft.core.loss;

import java.util.List;

/**
 * Least-squares slope of a loss curve over its last points, skipping missing (0 or NaN) points, as MFTCoder's
 * {@code fit_window_slope}: x is the point's index in the window. Fewer than two points give 0.
 */
final class WindowSlope {
    private WindowSlope() {}

    static double of(List<Double> ys) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int x = 0; x < ys.size(); x++) {
            double y = ys.get(x);
            if (y == 0 || Double.isNaN(y)) {
                continue;
            }
            n++;
            sx += x;
            sy += y;
            sxx += (double) x * x;
            sxy += x * y;
        }
        double den = n * sxx - sx * sx;
        return n < 2 || den == 0 ? 0 : (n * sxy - sx * sy) / den;
    }

    /** softmax(v) */
    static double[] softmax(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double z = 0;
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.exp(v[i] - max);
            z += out[i];
        }
        for (int i = 0; i < v.length; i++) {
            out[i] /= z;
        }
        return out;
    }
}
