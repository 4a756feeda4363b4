package dev.mft.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.mft.core.tensor.TorchShim;
import java.nio.ByteBuffer;

/**
 * {@link TorchShim#hostFloatBytes} of tensors met every step (a parameter, its gradient, its moments), kept from one
 * step to the next while each tensor's memory stays where it was: checking that costs one native call, making the view
 * about eight (dtype, device, contiguity, sizes, strides, pointer), ~1 ms a step over a model's ~40 parameters x 4.
 * A view is made again whenever the data pointer, the element count, the dtype or the device differ.
 */
final class HostViews {
    private final long[] pointers;
    private final ByteBuffer[] views;

    HostViews(int slots) {
        pointers = new long[slots];
        views = new ByteBuffer[slots];
    }

    /** The view of {@code array} for {@code slot}, or null when it is not a contiguous fp32 CPU tensor. */
    ByteBuffer of(int slot, NDArray array) {
        if (array.getDataType() != DataType.FLOAT32 || array.getDevice().isGpu()) {
            views[slot] = null;
            return null;
        }
        TorchShim shim = TorchShim.get();
        long pointer = shim.dataPointer(array);
        ByteBuffer view = views[slot];
        if (view != null && pointers[slot] == pointer && view.capacity() == array.getShape().size() * Float.BYTES) {
            return view;
        }
        view = shim.hostFloatBytes(array);
        views[slot] = view;
        pointers[slot] = pointer;
        return view;
    }
}
