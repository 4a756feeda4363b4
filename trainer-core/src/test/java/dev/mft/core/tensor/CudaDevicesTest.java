package dev.mft.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CudaDevicesTest {

    /** On a machine without a CUDA driver every query answers 0 devices with a reason; none throws. */
    @Test
    void withoutADriverThereAreZeroDevicesAndAReason() {
        CudaDevices.Report r = CudaDevices.list();
        if (r.count() > 0) {
            // a GPU machine: the listing must be complete instead
            for (CudaDevices.Gpu g : r.devices()) {
                assertFalse(g.name().isBlank());
                assertTrue(g.totalBytes() > 0 && g.freeBytes() <= g.totalBytes(), g.describe());
                assertTrue(g.ccMajor() >= 3, g.describe());
            }
            assertEquals(r.count(), CudaDevices.count());
            return;
        }
        assertEquals(0, CudaDevices.count());
        assertTrue(r.devices().isEmpty());
        assertNotNull(r.reason());
        assertTrue(r.summary().startsWith("0 devices ("), r.summary());
        assertFalse(r.reason().contains("\n"), r.reason());
        assertEquals(r.summary(), CudaDevices.list().summary()); // asking again answers the same, cheaply
        assertEquals(r.summary(), CudaDevices.list(false).summary());
    }

    @Test
    void aMissingDriverLibraryIsNamed() {
        String jcudaMessage = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "Stack trace from the attempt to load the library as a resource:\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open"
                + " shared object file: No such file or directory\n\tat java.base/...";
        assertEquals("no CUDA driver: libcuda.so.1 not found (no NVIDIA driver installed, or its folder is not on the"
                + " loader path)", CudaDevices.whyNoDriver(new UnsatisfiedLinkError(jcudaMessage)));
        assertEquals("JCuda (org.jcuda:jcuda) is not on the class path: jcuda/driver/JCudaDriver",
                CudaDevices.whyNoDriver(new NoClassDefFoundError("jcuda/driver/JCudaDriver")));
        assertEquals("no CUDA driver: odd", CudaDevices.whyNoDriver(new UnsatisfiedLinkError("odd\nmore")));
    }

    @Test
    void bf16NeedsComputeCapabilityEight() {
        assertFalse(CudaDevices.supportsBf16(7)); // V100 (7.0), T4 (7.5)
        assertTrue(CudaDevices.supportsBf16(8)); // A100 (8.0), A10/3090 (8.6), L4 (8.9)
        assertTrue(CudaDevices.supportsBf16(9)); // H100/H200
        CudaDevices.Gpu h100 = new CudaDevices.Gpu(1, "NVIDIA H100 80GB HBM3", 85_520_809_984L, 84_000_000_000L, 9, 0);
        assertEquals("9.0", h100.computeCapability());
        assertEquals("cuda:1 NVIDIA H100 80GB HBM3, cc 9.0, 79.6 GiB total, 78.2 GiB free, bf16 yes", h100.describe());
        CudaDevices.Gpu t4 = new CudaDevices.Gpu(0, "Tesla T4", 15L << 30, -1, 7, 5);
        assertEquals("cuda:0 Tesla T4, cc 7.5, 15.0 GiB total, ? free, bf16 no", t4.describe());
    }

    @Test
    void summaryNamesTheDriverVersion() {
        CudaDevices.Gpu g = new CudaDevices.Gpu(0, "x", 1L << 30, 1L << 29, 8, 0);
        assertEquals("2 devices, driver CUDA 12.4", new CudaDevices.Report(12040, List.of(g, g), null).summary());
        assertEquals("1 device", new CudaDevices.Report(0, List.of(g), null).summary());
        assertEquals("0 devices (no CUDA driver: x)",
                new CudaDevices.Report(0, List.of(), "no CUDA driver: x").summary());
    }

    @Test
    void aLocalRankTakesTheVisibleGpuOfItsNumber() {
        assertEquals(0, CudaDevices.deviceForLocalRank(0, 8, null));
        assertEquals(7, CudaDevices.deviceForLocalRank(7, 8, null));
        assertEquals(1, CudaDevices.deviceForLocalRank(1, 2, "4,5")); // cuda:1 is physical GPU 5
    }

    @Test
    void aLocalRankWithoutAGpuIsRefusedNamingBothNumbersAndTheVisibleList() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaDevices.deviceForLocalRank(2, 2, "0,1"));
        assertTrue(e.getMessage().contains("LOCAL_RANK=2"), e.getMessage());
        assertTrue(e.getMessage().contains("sees 2 GPUs"), e.getMessage());
        assertTrue(e.getMessage().contains("CUDA_VISIBLE_DEVICES '0,1'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> CudaDevices.deviceForLocalRank(1, 1, null));
        assertTrue(e.getMessage().contains("LOCAL_RANK=1") && e.getMessage().contains("sees 1 GPU ")
                && e.getMessage().contains("CUDA_VISIBLE_DEVICES unset"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> CudaDevices.deviceForLocalRank(0, 0, ""));
        assertTrue(e.getMessage().contains("sees 0 GPUs") && e.getMessage().contains("CUDA_VISIBLE_DEVICES ''"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CudaDevices.deviceForLocalRank(-1, 4, null));
    }
}
