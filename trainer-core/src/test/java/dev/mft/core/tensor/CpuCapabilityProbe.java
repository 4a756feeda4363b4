package dev.mft.core.tensor;

/** Run in a fresh JVM by {@link AtenCpuKernelsTest}: starts the engine as mft does and prints libtorch's kernel set. */
public final class CpuCapabilityProbe {
    private CpuCapabilityProbe() {}

    public static void main(String[] args) {
        TorchRuntime.start();
        System.out.println("capability=" + TorchShim.get().cpuCapability());
    }
}
