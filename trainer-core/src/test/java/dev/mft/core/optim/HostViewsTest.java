package dev.mft.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.tensor.TorchShim;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** A kept view is reused only while the tensor's memory stays where it was, and always reads that memory. */
class HostViewsTest {
    @Test
    void aViewIsKeptWhileTheMemoryStaysAndRemadeWhenItMoves() {
        TorchRuntime.start();
        try (NDManager m = NDManager.newBaseManager()) {
            HostViews views = new HostViews(2);
            NDArray t = m.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            ByteBuffer first = views.of(0, t);
            assertSame(first, views.of(0, t), "same memory: the kept view");
            assertEquals(4f, first.getFloat(3 * Float.BYTES));

            NDArray elsewhere = m.create(new float[] {7, 8, 9, 10, 11, 12}, new Shape(2, 3));
            try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
                TorchShim.get().setStorage(t, elsewhere); // t now lives in other memory
            }
            ByteBuffer moved = views.of(0, t);
            assertNotSame(first, moved, "moved memory: a new view");
            assertEquals(10f, moved.getFloat(3 * Float.BYTES), "the view reads the new memory");

            assertNull(views.of(1, m.zeros(new Shape(3), DataType.FLOAT64)), "not fp32: no view");
            assertNull(views.of(1, t.transpose()), "not contiguous: no view");
        }
    }
}
