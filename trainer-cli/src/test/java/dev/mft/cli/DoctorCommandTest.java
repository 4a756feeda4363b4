package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DoctorCommandTest {
    @Test
    void doctorReportsTheEngineAndPassesOnThisMachine() {
        CliRun r = CliRun.of("doctor", "--matmul", "64");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("c shim:     all symbols present"), r.out());
        assertTrue(r.out().contains("libtorch:") && r.out().contains("2.7.1"), r.out());
        // which of libtorch's CPU kernel sets runs (x86-64: "AVX512", "AVX2", ...)
        boolean x86 = java.util.List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
        assertTrue(!x86 || r.out().matches("(?s).*cpu ops:    libtorch's (AVX512|AVX2|NO AVX) kernels.*"), r.out());
        // the driver's view of CUDA devices: "0 devices (why)" without a driver, never an error
        assertTrue(r.out().contains("cuda:       ") && r.out().contains(" device"), r.out());
        assertTrue(r.out().strip().endsWith("ok"), r.out());
    }
}
