package dev.mft.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchRuntime;
import org.junit.jupiter.api.Test;

class MatmulRateTest {
    @Test
    void theRooflineTakesTheFasterShape() {
        assertEquals(2e11, new MatmulRate.Rates(1e11, 2e11).best());
        assertEquals(3e11, new MatmulRate.Rates(3e11, 2e11).best());
    }

    @Test
    void theHeadsRateCountsTwoFlopsPerMultiplyAddLikeTheSquares() {
        TorchRuntime.start();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // the same 2048^3 work as x W^T: the two rates differ only by the transposed operand's layout, so a
            // FLOP count off by a factor (or rows and columns swapped in it) shows as a ratio far from 1
            double square = MatmulRate.square(m, Device.cpu(), TorchDType.FLOAT32);
            double head = MatmulRate.head(m, Device.cpu(), TorchDType.FLOAT32, MatmulRate.SIDE, MatmulRate.SIDE,
                    MatmulRate.SIDE);
            assertTrue(head / square > 0.6 && head / square < 1.6, "square " + square + ", head " + head);
        }
    }
}
