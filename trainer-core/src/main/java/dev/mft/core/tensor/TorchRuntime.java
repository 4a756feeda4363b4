package dev.mft.core.tensor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts DJL's PyTorch engine the way mft needs it: offline by default (the CPU libtorch comes from the Maven jar,
 * nothing is downloaded at run time), glibc told to keep freed memory ({@link GlibcMalloc}), AVX2 kernels on AMD CPUs
 * ({@link AtenCpuKernels}), a chosen intra-op thread count, and a device choice.
 */
public final class TorchRuntime {
    private static volatile Engine engine;

    private TorchRuntime() {}

    /** Starts the engine once per JVM; later calls return the same engine. */
    public static Engine start() {
        Engine e = engine;
        if (e == null) {
            synchronized (TorchRuntime.class) {
                e = engine;
                if (e == null) {
                    if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
                        System.setProperty("ai.djl.offline", "true");
                    }
                    GlibcMalloc.keepFreedMemory();
                    AtenCpuKernels.applyBeforeStart(); // before any op: libtorch reads it at its first kernel
                    e = Engine.getEngine("PyTorch");
                    engine = e;
                }
            }
        }
        return e;
    }

    /** Sets libtorch's intra-op threads; {@code threads <= 0} keeps libtorch's default. */
    public static void setThreads(int threads) {
        start();
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
    }

    /** libtorch's intra-op thread count (what {@link #setThreads} set, or libtorch's default). */
    public static int threads() {
        start();
        return JniUtils.getNumThreads();
    }

    /** Seeds libtorch's global generator (random init and dropout). */
    public static void seed(long seed) {
        start();
        JniUtils.setSeed(seed);
    }

    /**
     * Resolves "auto" | "cpu" | "cuda" | "cuda:N" to a device; "auto" takes the first GPU when DJL sees one.
     */
    public static Device device(String name) {
        Engine e = start();
        String n = name == null ? "auto" : name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("auto")) {
            return e.getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        if (n.startsWith("cuda")) {
            if (e.getGpuCount() == 0) {
                throw new IllegalArgumentException("device '" + name + "' asked for, but DJL sees no GPU; the CPU build"
                        + " of libtorch is on the class path (see docs/gpu.md for the CUDA build)");
            }
            int index = n.contains(":") ? Integer.parseInt(n.substring(n.indexOf(':') + 1)) : 0;
            return Device.gpu(index);
        }
        throw new IllegalArgumentException("device must be auto, cpu, cuda or cuda:N; got '" + name + "'");
    }
}
