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
 * The machine's matmul rate through the same engine the step uses, in the step's compute dtype (fp32, or bf16 made
 * through the C shim): the practical roofline a training step's matmuls can reach on this device and thread count.
 * Two large matmuls are timed, a square one and the model's lm_head ([tokens, hidden] x [hidden, vocab], as the step
 * runs it), and the faster counts: a BLAS can run one shape well below its best, and a roofline below what the step's
 * own largest matmul reaches would flatter the step.
 */
final class MatmulRate {
    /** Side of the square matmul (2048: 17 GFLOP, large enough for every core to run at its best). */
    static final int SIDE = 2048;
    /** Rows of the head's matmul at most (the step's tokens, up to this: enough for any device's best rate). */
    static final long MAX_HEAD_ROWS = 2048;

    /** FLOP/s of each shape timed, and the faster of the two. */
    record Rates(double square, double head) {
        double best() {
            return Math.max(square, head);
        }
    }

    private MatmulRate() {}

    /** Both rates; the head's shape has {@code min(tokens, MAX_HEAD_ROWS)} rows. */
    static Rates measure(NDManager parent, Device device, TorchDType compute, long tokens, long hidden, long vocab) {
        return new Rates(square(parent, device, compute),
                head(parent, device, compute, Math.min(tokens, MAX_HEAD_ROWS), hidden, vocab));
    }

    /** FLOP/s of a {@code SIDE}^3 matmul in {@code compute}. */
    static double square(NDManager parent, Device device, TorchDType compute) {
        try (NDManager m = parent.newSubManager(device)) {
            NDArray a = random(m, device, compute, SIDE, SIDE);
            NDArray b = random(m, device, compute, SIDE, SIDE);
            return 2.0 * SIDE * SIDE * SIDE / medianSeconds(a, b, random(m, device, compute, SIDE, SIDE));
        }
    }

    /** FLOP/s of the lm_head's forward, {@code x W^T} (W transposed as a view, as the step's linear runs it). */
    static double head(NDManager parent, Device device, TorchDType compute, long rows, long hidden, long vocab) {
        try (NDManager m = parent.newSubManager(device)) {
            NDArray x = random(m, device, compute, rows, hidden);
            NDArray w = random(m, device, compute, vocab, hidden);
            return 2.0 * rows * hidden * vocab / medianSeconds(x, w.transpose(), random(m, device, compute, rows,
                    vocab));
        }
    }

    private static NDArray random(NDManager m, Device device, TorchDType compute, long rows, long cols) {
        NDArray a = m.randomNormal(0, 1, new Shape(rows, cols), DataType.FLOAT32, device);
        // bf16/fp16 only through the shim: DJL's DataType must not see bf16
        return compute == TorchDType.FLOAT32 ? a : TorchShim.get().cast(a, compute);
    }

    /**
     * Seconds of {@code out = a @ b}: the median of 10 timed runs after 3 untimed ones, each waiting for its result (a
     * GPU runs asynchronously). The result goes into one buffer made beforehand: a fresh tensor of tens of MB per run,
     * freed after it, went back to the OS and was faulted in again each time on the CPU (a JVM thread's malloc arena
     * holds at most 64 MB), which measured the page faults: 2048^3 at 250 instead of 390 GFLOP/s, the lm_head's
     * shape at 50 instead of 370, on the fifteenth session's Zen 5 host.
     */
    private static double medianSeconds(NDArray a, NDArray b, NDArray out) {
        double[] seconds = new double[10];
        for (int i = -3; i < seconds.length; i++) {
            long start = System.nanoTime();
            TorchShim.get().matMulInto(out, a, b);
            try (NDArray corner = TorchShim.get().cast(out.get(0, 0), TorchDType.FLOAT32)) {
                corner.getFloat();
            }
            if (i >= 0) {
                seconds[i] = (System.nanoTime() - start) / 1e9;
            }
        }
        Arrays.sort(seconds);
        return (seconds[4] + seconds[5]) / 2;
    }
}
