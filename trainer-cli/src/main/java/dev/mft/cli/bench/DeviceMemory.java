package dev.mft.cli.bench;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;

/**
 * Peak memory of a benchmark run: the process's peak resident set on the CPU (JVM heap, libtorch's tensors and the
 * allocator's cache: VmHWM), or on a GPU the highest device memory in use seen after any step (cudaMemGetInfo: it
 * includes libtorch's caching allocator's reserve and the CUDA context, so it compares with PyTorch's
 * max_memory_reserved plus the context, not with max_memory_allocated).
 */
abstract class DeviceMemory {

    static DeviceMemory of(Device device) {
        return device.isGpu() ? new Gpu(device) : new Cpu();
    }

    /** Called after every step. */
    abstract void sample();

    abstract long peakBytes();

    /** What {@link #peakBytes} measures, for the JSON line. */
    abstract String kind();

    private static final class Cpu extends DeviceMemory {
        @Override
        void sample() {} // the kernel keeps the high-water mark

        @Override
        long peakBytes() {
            return PeakMemory.peakRssBytes();
        }

        @Override
        String kind() {
            return "process_peak_rss";
        }
    }

    private static final class Gpu extends DeviceMemory {
        private final Device device;
        private long peak;

        Gpu(Device device) {
            this.device = device;
        }

        @Override
        void sample() {
            peak = Math.max(peak, CudaUtils.getGpuMemory(device).getUsed());
        }

        @Override
        long peakBytes() {
            return peak;
        }

        @Override
        String kind() {
            return "device_memory_used";
        }
    }
}
