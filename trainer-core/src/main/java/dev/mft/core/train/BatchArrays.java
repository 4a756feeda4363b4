package dev.mft.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.TorchShim;

/**
 * Turns a plain-Java batch into int64 device arrays on the step's manager.
 *
 * <p>On a CUDA device the int64 host tensor is copied into pinned (page-locked) memory and from there to the device
 * with a non-blocking copy, queued on the current stream like the forward that reads it; on the CPU the array is
 * created where it is used, as before.
 */
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
        Shape shape = new Shape(b.rows(), b.cols());
        if (device.isGpu()) {
            return pinnedCopy(step, v, shape, device);
        }
        NDArray a = step.create(v, shape);
        return device.equals(a.getDevice()) ? a : a.toDevice(device, false);
    }

    /**
     * Host int64 tensor -> pinned copy -> non-blocking copy into a fresh device tensor owned by {@code step}. The host
     * tensors are closed at once: the copy is already queued, and libtorch's pinned-memory allocator does not hand
     * the block out again before the copy's stream has passed it.
     */
    private static NDArray pinnedCopy(NDManager step, long[] v, Shape shape, Device device) {
        TorchShim shim = TorchShim.get();
        NDArray out = step.create(shape, DataType.INT64, device); // uninitialized; every element is written below
        try (NDManager host = step.newSubManager(Device.cpu())) {
            NDArray pageable = host.create(v, shape);
            NDArray pinned = shim.pinMemory(pageable); // belongs to host: freed with it
            shim.copyInto(out, pinned, true);
        }
        return out;
    }
}
