package dev.mft.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Turns a plain-Java batch into int64 device arrays on the step's manager. */
public final class BatchArrays {
    private BatchArrays() {}

    public static NDArray ids(NDManager step, TokenBatch b, Device device) {
        return toLong(step, b.inputIds(), b, device);
    }

    public static NDArray positions(NDManager step, TokenBatch b, Device device) {
        return toLong(step, b.positionIds(), b, device);
    }

    /** The sample ids [B, T] when the batch is packed (attention must stay within samples), else null. */
    public static NDArray sampleIdsIfPacked(NDManager step, TokenBatch b, Device device) {
        return b.packed() ? toLong(step, b.sampleIds(), b, device) : null;
    }

    private static NDArray toLong(NDManager step, int[] values, TokenBatch b, Device device) {
        long[] v = new long[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        NDArray a = step.create(v, new Shape(b.rows(), b.cols()));
        return device.equals(a.getDevice()) ? a : a.toDevice(device, false);
    }
}
