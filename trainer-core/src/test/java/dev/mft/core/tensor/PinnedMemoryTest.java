package dev.mft.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The pinned-memory calls of {@link TorchShim}. With the CPU libtorch of the Maven build pinning cannot succeed (no
 * pinned-memory allocator: pin_memory fails with "Cannot access accelerator device when none is available", printed
 * by libtorch, so it is not called here); the test then checks that the dispatcher takes {@code aten::is_pinned},
 * whose arguments (Tensor, Device? = None) are pin_memory's. With a CUDA libtorch it checks the real thing.
 */
class PinnedMemoryTest {

    @Test
    void pinMemoryAndNonBlockingCopy() {
        TorchShim shim = TorchShim.get();
        boolean gpu = Engine.getEngine("PyTorch").getGpuCount() > 0;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.create(new long[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            assertFalse(shim.isPinned(x));
            if (!gpu) {
                return;
            }
            NDArray pinned = shim.pinMemory(x);
            assertTrue(shim.isPinned(pinned));
            NDArray onGpu = m.create(new Shape(2, 3), DataType.INT64, Device.gpu(0));
            shim.copyInto(onGpu, pinned, true);
            assertArrayEquals(x.toLongArray(), onGpu.toDevice(Device.cpu(), false).toLongArray());
        }
    }

    @Test
    void nonBlockingCopyBetweenCpuTensorsIsAPlainCopy() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray src = m.create(new long[] {7, 8, 9});
            NDArray dst = m.zeros(new Shape(3), DataType.INT64);
            TorchShim.get().copyInto(dst, src, true);
            assertArrayEquals(new long[] {7, 8, 9}, dst.toLongArray());
        }
    }
}
