package dev.mft.core.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CUDA devices of this machine as the NVIDIA driver reports them (JCuda's driver API bindings): count, name,
 * total and free memory, compute capability, and whether bf16 is supported. Independent of which libtorch DJL
 * loaded: a CPU libtorch on a GPU machine still lists the GPUs here, which is what {@code mft doctor} needs to say
 * "the GPU is there, the CUDA libtorch is not".
 *
 * <p>JCuda is loaded lazily, on the first query, inside {@link Driver}: CPU-only runs that never ask never load it.
 * Without a driver ({@code libcuda.so.1} absent), without a device, or without the JCuda jar, every query answers
 * "0 devices" with the reason, never an exception. {@code CUDA_VISIBLE_DEVICES} is honoured by the driver itself.
 */
public final class CudaDevices {
    private static final Object LOCK = new Object();
    private static String unavailable; // why the driver cannot be used; null until tried or when it can

    private CudaDevices() {}

    /** One device. Memory in bytes; {@code freeBytes} is -1 when it could not be read. */
    public record Gpu(int index, String name, long totalBytes, long freeBytes, int ccMajor, int ccMinor) {
        /** "8.0" for an A100, "9.0" for an H100. */
        public String computeCapability() {
            return ccMajor + "." + ccMinor;
        }

        /** bf16 tensor-core arithmetic needs compute capability 8.0 (Ampere) or later. */
        public boolean bf16() {
            return supportsBf16(ccMajor);
        }

        /** One line for humans: {@code cuda:0 NVIDIA H100 80GB HBM3, cc 9.0, 79.1 GiB total, 78.5 GiB free, bf16 yes}. */
        public String describe() {
            return String.format(Locale.ROOT, "cuda:%d %s, cc %s, %s total, %s free, bf16 %s", index, name,
                    computeCapability(), gib(totalBytes), freeBytes < 0 ? "?" : gib(freeBytes), bf16() ? "yes" : "no");
        }
    }

    /**
     * What the driver reports. {@code driverVersion} is CUDA's encoding (12040 = 12.4), 0 when unknown; when there
     * is no device, {@code reason} says why (no driver, no device, an error code), else it is null.
     */
    public record Report(int driverVersion, List<Gpu> devices, String reason) {
        public Report {
            devices = List.copyOf(devices);
        }

        public int count() {
            return devices.size();
        }

        /** "0 devices (reason)", or "2 devices, driver CUDA 12.4". */
        public String summary() {
            String n = count() + (count() == 1 ? " device" : " devices");
            if (count() == 0) {
                return n + (reason == null ? "" : " (" + reason + ")");
            }
            return n + (driverVersion > 0 ? ", driver CUDA " + driverVersion / 1000 + "." + driverVersion % 1000 / 10
                    : "");
        }
    }

    /** Whether a compute capability major version supports bf16 (8.0 and later). */
    public static boolean supportsBf16(int ccMajor) {
        return ccMajor >= 8;
    }

    /**
     * The number of CUDA devices the driver lets this process see (0 without a driver). Cheap: creates no CUDA
     * context on any device.
     */
    public static int count() {
        return query(false).count();
    }

    /**
     * Every visible device with its free memory. Reading free memory retains each device's primary context for a
     * moment (the context libtorch uses too), which creates it on a device this process has not used yet: fine for
     * a diagnosis, wasteful in a training worker that owns one GPU, which should call {@link #count()}.
     */
    public static Report list() {
        return query(true);
    }

    /** Every visible device; without {@code freeMemory} no context is touched ({@code freeBytes} is then -1). */
    public static Report list(boolean freeMemory) {
        return query(freeMemory);
    }

    private static Report query(boolean freeMemory) {
        synchronized (LOCK) {
            if (unavailable != null) {
                return new Report(0, List.of(), unavailable);
            }
            try {
                return Driver.query(freeMemory);
            } catch (LinkageError e) {
                // no libcuda.so.1, JCuda's natives do not fit this platform, or the JCuda jar is not on the class path
                unavailable = whyNoDriver(e);
                return new Report(0, List.of(), unavailable);
            } catch (RuntimeException e) {
                return new Report(0, List.of(), "CUDA driver query failed: " + firstLine(e));
            }
        }
    }

    /**
     * The CUDA device a launched worker takes: {@code cuda:LOCAL_RANK}, which must be one of the devices this process
     * sees. A pure function of its inputs, so the rule is testable without a GPU.
     *
     * @param cudaVisibleDevices the value of {@code CUDA_VISIBLE_DEVICES}, or null when unset
     * @throws IllegalArgumentException naming both numbers and {@code CUDA_VISIBLE_DEVICES} when the local rank has
     *     no device
     */
    public static int deviceForLocalRank(int localRank, int visibleDevices, String cudaVisibleDevices) {
        if (localRank < 0) {
            throw new IllegalArgumentException("LOCAL_RANK must be >= 0, got " + localRank);
        }
        if (localRank >= visibleDevices) {
            String visible = cudaVisibleDevices == null ? "unset (every GPU of the machine is visible)"
                    : "'" + cudaVisibleDevices + "'";
            throw new IllegalArgumentException("LOCAL_RANK=" + localRank + " needs GPU cuda:" + localRank
                    + ", but this process sees " + visibleDevices + (visibleDevices == 1 ? " GPU" : " GPUs")
                    + " (CUDA_VISIBLE_DEVICES " + visible + "): run at most " + visibleDevices
                    + " workers per node (--nproc_per_node), or make more GPUs visible. Each worker takes the GPU of"
                    + " its LOCAL_RANK among the visible ones, so CUDA_VISIBLE_DEVICES must list every GPU of the node"
                    + " that the workers use, not one per worker");
        }
        return localRank;
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** The useful part of JCuda's load failure, which is many lines of nested stack traces. */
    static String whyNoDriver(LinkageError e) {
        if (e instanceof NoClassDefFoundError) {
            return "JCuda (org.jcuda:jcuda) is not on the class path: " + firstLine(e);
        }
        String m = String.valueOf(e.getMessage());
        for (String line : m.split("\n")) {
            int at = line.indexOf(": cannot open shared object file");
            if (at >= 0) {
                String lib = line.substring(line.lastIndexOf(' ', at - 1) + 1, at);
                return "no CUDA driver: " + lib + " not found" + (lib.startsWith("libcuda.so") ? " (no NVIDIA driver"
                        + " installed, or its folder is not on the loader path)" : "");
            }
        }
        return "no CUDA driver: " + firstLine(e);
    }

    private static String firstLine(Throwable e) {
        Throwable t = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).trim();
    }

    /** Every JCuda reference lives here, so JCuda's classes and natives load only when a query runs. */
    private static final class Driver {
        private Driver() {}

        static Report query(boolean freeMemory) {
            // error codes are checked by hand: JCuda's exceptions are off by default and global to the JVM
            int err = jcuda.driver.JCudaDriver.cuInit(0);
            if (err != jcuda.driver.CUresult.CUDA_SUCCESS) {
                return new Report(driverVersion(), List.of(), "cuInit: " + jcuda.driver.CUresult.stringFor(err));
            }
            int[] n = new int[1];
            err = jcuda.driver.JCudaDriver.cuDeviceGetCount(n);
            if (err != jcuda.driver.CUresult.CUDA_SUCCESS) {
                return new Report(driverVersion(), List.of(),
                        "cuDeviceGetCount: " + jcuda.driver.CUresult.stringFor(err));
            }
            List<Gpu> devices = new ArrayList<>();
            for (int i = 0; i < n[0]; i++) {
                devices.add(device(i, freeMemory));
            }
            return new Report(driverVersion(), devices, n[0] == 0 ? "the driver sees no CUDA device" : null);
        }

        private static int driverVersion() {
            int[] v = new int[1];
            return jcuda.driver.JCudaDriver.cuDriverGetVersion(v) == jcuda.driver.CUresult.CUDA_SUCCESS ? v[0] : 0;
        }

        private static Gpu device(int index, boolean freeMemory) {
            jcuda.driver.CUdevice dev = new jcuda.driver.CUdevice();
            check(jcuda.driver.JCudaDriver.cuDeviceGet(dev, index), "cuDeviceGet(" + index + ")");
            byte[] name = new byte[256];
            check(jcuda.driver.JCudaDriver.cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            long[] total = new long[1];
            check(jcuda.driver.JCudaDriver.cuDeviceTotalMem(total, dev), "cuDeviceTotalMem");
            int major = attribute(dev, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            int minor = attribute(dev, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            long free = freeMemory ? freeBytes(dev) : -1;
            return new Gpu(index, new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8), total[0], free,
                    major, minor);
        }

        private static int attribute(jcuda.driver.CUdevice dev, int attribute) {
            int[] v = new int[1];
            check(jcuda.driver.JCudaDriver.cuDeviceGetAttribute(v, attribute, dev), "cuDeviceGetAttribute");
            return v[0];
        }

        /**
         * cuMemGetInfo answers for the current context: retain the device's primary context, make it current for
         * this thread, read, and restore. Retain/release pairs leave a context libtorch already uses as it was.
         */
        private static long freeBytes(jcuda.driver.CUdevice dev) {
            jcuda.driver.CUcontext ctx = new jcuda.driver.CUcontext();
            if (jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev) != jcuda.driver.CUresult.CUDA_SUCCESS) {
                return -1;
            }
            try {
                if (jcuda.driver.JCudaDriver.cuCtxPushCurrent(ctx) != jcuda.driver.CUresult.CUDA_SUCCESS) {
                    return -1;
                }
                try {
                    long[] free = new long[1];
                    long[] total = new long[1];
                    return jcuda.driver.JCudaDriver.cuMemGetInfo(free, total) == jcuda.driver.CUresult.CUDA_SUCCESS
                            ? free[0] : -1;
                } finally {
                    jcuda.driver.JCudaDriver.cuCtxPopCurrent(new jcuda.driver.CUcontext());
                }
            } finally {
                jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease(dev);
            }
        }

        private static void check(int err, String call) {
            if (err != jcuda.driver.CUresult.CUDA_SUCCESS) {
                throw new IllegalStateException(call + " failed: " + jcuda.driver.CUresult.stringFor(err));
            }
        }
    }
}
