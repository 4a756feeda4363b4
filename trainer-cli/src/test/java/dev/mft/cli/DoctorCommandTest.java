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
        // the driver's view of CUDA devices: "0 devices (why)" without a driver, never an error
        assertTrue(r.out().contains("cuda:       ") && r.out().contains(" device"), r.out());
        assertTrue(r.out().strip().endsWith("ok"), r.out());
    }
}
