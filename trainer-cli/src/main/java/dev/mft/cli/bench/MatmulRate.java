package dev.mft.cli.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The machine's fp32 matmul rate through the same engine the step uses: the median time of a large square matmul,
 * the practical roofline a training step's matmuls can reach on this device and thread count.
 */
final class MatmulRate {
    /** Side of the square matmul (2048: 17 GFLOP, large enough for every core to run at its best). */
    static final int SIDE = 2048;

    private MatmulRate() {}

    /** FLOP/s of a {@code SIDE}^3 fp32 matmul: median of 10 runs after 3 untimed ones. */
    static double measure(NDManager parent, Device device) {
        try (NDManager m = parent.newSubManager(device)) {
            NDArray a = m.randomNormal(0, 1, new Shape(SIDE, SIDE), DataType.FLOAT32, device);
            NDArray b = m.randomNormal(0, 1, new Shape(SIDE, SIDE), DataType.FLOAT32, device);
            double[] seconds = new double[10];
            for (int i = -3; i < seconds.length; i++) {
                long start = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0); // waits for the result (a GPU runs asynchronously)
                }
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - start) / 1e9;
                }
            }
            Arrays.sort(seconds);
            double median = (seconds[4] + seconds[5]) / 2;
            return 2.0 * SIDE * SIDE * SIDE / median;
        }
    }
}
