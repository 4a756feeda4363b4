package dev.mft.cli.command;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import dev.mft.core.tensor.CudaDevices;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.tensor.TorchShim;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.TokenBatch;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mft doctor}: which libtorch is loaded, which devices it sees, and whether everything mft needs works. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check the engine: the libtorch folder and version DJL loaded, CPU threads, the CUDA devices the",
            "driver reports (name, memory, compute capability, bf16 support) and those libtorch sees, the C-shim",
            "symbols mft needs, and a small bf16 round trip and SDPA call on each device (on a GPU also a batch copied",
            "through pinned memory). Use it after setting up a CUDA libtorch (docs/gpu.md).", "", "Example:",
            "  mft doctor"})
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--matmul", defaultValue = "1024", description = "Size n of an n x n fp32 matmul to time (0: skip).")
    int matmul;

    @Override
    public Integer call() {
        Engine e = TorchRuntime.start();
        System.out.println("engine:     " + e.getEngineName() + " " + e.getVersion() + " (DJL)");
        System.out.println("libtorch:   " + LibUtils.getLibtorchPath() + " (version " + LibUtils.getVersion() + ")");
        System.out.println("threads:    " + JniUtils.getNumThreads() + " intra-op, " + JniUtils.getNumInteropThreads()
                + " inter-op; OMP_WAIT_POLICY=" + System.getenv().getOrDefault("OMP_WAIT_POLICY", "(default)"));
        CudaDevices.Report cuda = CudaDevices.list();
        System.out.println("cuda:       " + cuda.summary());
        for (CudaDevices.Gpu gpu : cuda.devices()) {
            System.out.println("            " + gpu.describe());
        }
        System.out.println("gpus:       " + e.getGpuCount() + " seen by libtorch");
        if (cuda.count() > 0 && e.getGpuCount() == 0) {
            System.out.println("note:       the driver reports " + cuda.count() + " GPU(s) but the libtorch DJL loaded"
                    + " sees none: a CPU libtorch, or libcudart.so not found (docs/gpu.md)");
        }
        TorchShim shim = TorchShim.get(); // throws, naming missing symbols, if the shim is incomplete
        System.out.println("c shim:     all symbols present");
        String kernels = shim.cpuCapability();
        if (kernels != null) { // libtorch's own kernels, not MKL's; AVX2 on AMD CPUs with AVX-512 (docs/benchmarks.md)
            System.out.println("cpu ops:    libtorch's " + kernels + " kernels; ATEN_CPU_CAPABILITY="
                    + System.getenv().getOrDefault("ATEN_CPU_CAPABILITY", "(not set by the user)"));
        }
        boolean ok = check(shim, ai.djl.Device.cpu());
        if (e.getGpuCount() > 0) {
            ok &= check(shim, ai.djl.Device.gpu(0));
        }
        if (matmul > 0) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray a = m.randomNormal(new Shape(matmul, matmul));
                a.matMul(a).close();
                long t0 = System.nanoTime();
                int reps = 5;
                for (int i = 0; i < reps; i++) {
                    a.matMul(a).close();
                }
                double s = (System.nanoTime() - t0) / 1e9 / reps;
                System.out.printf("matmul:     %dx%d fp32 on cpu: %.1f GFLOP/s%n", matmul, matmul,
                        2.0 * matmul * matmul * matmul / s / 1e9);
            }
        }
        System.out.println(ok ? "ok" : "PROBLEMS FOUND (see above)");
        return ok ? 0 : 1;
    }

    /** The training loop's batch path on a GPU (host int64 -> pinned -> non-blocking copy): values must arrive. */
    private static boolean pinnedCopyWorks(NDManager m, ai.djl.Device device) {
        int[] ids = {3, 1, 4, 1, 5, 9, 2, 6};
        TokenBatch b = TokenBatch.unpadded(2, 4, ids, ids);
        long[] back = BatchArrays.ids(m, b, device).toDevice(ai.djl.Device.cpu(), false).toLongArray();
        return Arrays.equals(back, Arrays.stream(ids).asLongStream().toArray());
    }

    private static boolean check(TorchShim shim, ai.djl.Device device) {
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray x = m.randomNormal(new Shape(1, 2, 8, 16));
            NDArray bf = shim.cast(x, TorchDType.BFLOAT16);
            double err = shim.cast(bf, TorchDType.FLOAT32).sub(x).abs().max().getFloat();
            NDArray att = shim.scaledDotProductAttention(x, x, x, true, false);
            boolean ok = err < 0.01 && att.getShape().equals(x.getShape());
            String pinned = "";
            if (device.isGpu()) {
                boolean copied = pinnedCopyWorks(m, device);
                ok &= copied;
                pinned = ", pinned batch copy " + (copied ? "ok" : "WRONG VALUES");
            }
            System.out.printf("%-11s bf16 round trip max error %.2e, sdpa %s%s: %s%n", device + ":", err,
                    att.getShape(), pinned, ok ? "ok" : "FAILED");
            return ok;
        } catch (RuntimeException ex) {
            System.out.println(device + ": FAILED: " + ex.getMessage());
            return false;
        }
    }
}
