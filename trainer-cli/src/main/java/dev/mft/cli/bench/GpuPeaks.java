package dev.mft.cli.bench;

import ai.djl.Device;
import java.util.Locale;
import java.util.Map;

/**
 * Dense bf16 tensor-core peaks of common training GPUs (vendor data sheets, without sparsity), the denominator of
 * model FLOPs utilisation. A device not listed has no MFU (0), rather than a guessed one.
 */
final class GpuPeaks {
    private GpuPeaks() {}

    /** Name fragment (upper case) -> FLOP/s; more specific names first. */
    private static final Map<String, Double> PEAKS = new java.util.LinkedHashMap<>();

    static {
        PEAKS.put("H200", 989.4e12);
        PEAKS.put("H100 PCIE", 756.0e12);
        PEAKS.put("H100", 989.4e12);
        PEAKS.put("H800", 989.4e12);
        PEAKS.put("GH200", 989.4e12);
        PEAKS.put("A100", 312.0e12);
        PEAKS.put("A800", 312.0e12);
        PEAKS.put("L40S", 362.1e12);
        PEAKS.put("L40", 181.0e12);
        PEAKS.put("L4", 121.0e12);
        PEAKS.put("A10G", 70.0e12);
        PEAKS.put("A10", 125.0e12);
        PEAKS.put("RTX 4090", 165.2e12);
        PEAKS.put("RTX 3090", 71.0e12);
    }

    /** The dense bf16 peak of a device by its CUDA name, or 0 when unknown. */
    static double bf16FlopsPerSecond(String deviceName) {
        if (deviceName == null) {
            return 0;
        }
        String n = deviceName.toUpperCase(Locale.ROOT);
        for (Map.Entry<String, Double> e : PEAKS.entrySet()) {
            if (n.contains(e.getKey())) {
                return e.getValue();
            }
        }
        return 0;
    }

    /** The CUDA name of a device, or null when it cannot be read. */
    static String deviceName(Device device) {
        return dev.mft.core.tensor.CudaDevices.list(false).devices().stream()
                .filter(g -> g.index() == device.getDeviceId()).map(dev.mft.core.tensor.CudaDevices.Gpu::name)
                .findFirst().orElse(null);
    }
}
