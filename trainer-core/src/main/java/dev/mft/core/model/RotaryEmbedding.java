package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.Ops;

/**
 * Rotary position embedding as HF applies it: {@code q*cos + rotate_half(q)*sin} with
 * {@code cos/sin = [cos(p*f), cos(p*f)]} over the (scaled) inverse frequencies f. Tables are computed in double
 * precision and kept per model; positions come per token, so packed samples can restart at 0.
 */
public final class RotaryEmbedding implements AutoCloseable {
    private final NDManager manager;
    private final double[] invFreq;
    private final int headDim;
    private NDArray cosTable; // [P, D]
    private NDArray signedSinTable; // [P, D]: [-sin, sin] halves
    private int length;

    public RotaryEmbedding(NDManager parent, ModelConfig config) {
        this.manager = parent.newSubManager();
        this.headDim = config.headDim();
        double[] base = new double[headDim / 2];
        for (int i = 0; i < base.length; i++) {
            base[i] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / headDim);
        }
        this.invFreq = config.ropeScaling().scale(base);
        ensure(256);
    }

    /** The scaled inverse frequencies (for tests against the HF formulas). */
    public double[] inverseFrequencies() {
        return invFreq.clone();
    }

    /**
     * Rotates q or k. x: [B, H, T, D]; cos and signedSin: [B, 1, T, D] from {@link #tables}. HF's
     * {@code x*cos + rotate_half(x)*sin} with {@code rotate_half(x) = [-x2, x1]} equals
     * {@code x*cos + [x2, x1]*[-sin, sin]}: the sign lives in the table, which saves a negation of x (and its
     * backward) per call; the results are bit-identical.
     */
    public static NDArray apply(NDArray x, NDArray cos, NDArray signedSin) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex().addEllipseDim().addSliceDim(0, half)); // built, not parsed from a string
        NDArray x2 = x.get(new NDIndex().addEllipseDim().addSliceDim(half, 2 * half));
        return x.mul(cos).add(x2.concat(x1, -1).mul(signedSin));
    }

    /**
     * cos and sign-adjusted sin (first half negated, see {@link #apply}) for the given positions: positionIds [B, T]
     * int64 -> two [B, 1, T, D] arrays on its manager.
     */
    public NDArray[] tables(NDArray positionIds, int maxPosition) {
        ensure(maxPosition + 1);
        NDArray cos = Ops.embedding(positionIds, cosTable).expandDims(1);
        NDArray sin = Ops.embedding(positionIds, signedSinTable).expandDims(1);
        return new NDArray[] {cos, sin};
    }

    private void ensure(int positions) {
        if (positions <= length) {
            return;
        }
        int n = Math.max(positions, length * 2);
        float[] cos = new float[n * headDim];
        float[] sin = new float[n * headDim];
        int half = headDim / 2;
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * invFreq[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + i + half] = c;
                sin[p * headDim + i] = -s; // rotate_half's sign (see apply)
                sin[p * headDim + i + half] = s;
            }
        }
        if (cosTable != null) {
            cosTable.close();
            signedSinTable.close();
        }
        cosTable = manager.create(cos, new Shape(n, headDim));
        signedSinTable = manager.create(sin, new Shape(n, headDim));
        length = n;
    }

    /** Moves the tables to the model's device. */
    void toDevice(ai.djl.Device device) {
        if (!cosTable.getDevice().equals(device)) {
            NDArray c = cosTable.toDevice(device, false);
            NDArray s = signedSinTable.toDevice(device, false);
            cosTable.close();
            signedSinTable.close();
            c.attach(manager);
            s.attach(manager);
            cosTable = c;
            signedSinTable = s;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
