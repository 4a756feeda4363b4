package dev.mft.cli.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import java.util.Arrays;

/**
 * The machine's matmul rate through the same engine the step uses: the median time of a large square matmul in the
 * step's compute dtype (fp32, or bf16 made through the C shim), the practical roofline a training step's matmuls can
 * reach on this device and thread count.
 */
final class MatmulRate {
    /** Side of the square matmul (2048: 17 GFLOP, large enough for every core to run at its best). */
    static final int SIDE = 2048;

    private MatmulRate() {}

    /** FLOP/s of a {@code SIDE}^3 matmul in {@code compute}: median of 10 runs after 3 untimed ones. */
    static double measure(NDManager parent, Device device, TorchDType compute) {
        try (NDManager m = parent.newSubManager(device)) {
            NDArray a = m.randomNormal(0, 1, new Shape(SIDE, SIDE), DataType.FLOAT32, device);
            NDArray b = m.randomNormal(0, 1, new Shape(SIDE, SIDE), DataType.FLOAT32, device);
            if (compute != TorchDType.FLOAT32) { // bf16/fp16 only through the shim: DJL's DataType must not see bf16
                a = TorchShim.get().cast(a, compute);
                b = TorchShim.get().cast(b, compute);
            }
            double[] seconds = new double[10];
            for (int i = -3; i < seconds.length; i++) {
                long start = System.nanoTime();
                try (NDArray c = a.matMul(b); NDArray corner = TorchShim.get().cast(c.get(0, 0), TorchDType.FLOAT32)) {
                    corner.getFloat(); // waits for the result (a GPU runs asynchronously)
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
