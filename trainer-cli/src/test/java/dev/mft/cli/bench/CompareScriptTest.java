package dev.mft.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/bench/compare.sh driven with two stand-in sides (MFT_BIN, TORCH_PYTHON) whose step times are fixed, so the
 * summary's ratio and its warnings can be checked against numbers the script did not compute.
 */
class CompareScriptTest {

    private static final Path SCRIPT = Paths.get("..", "scripts", "bench", "compare.sh");

    /** Writes an executable shell script. */
    private static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/usr/bin/env bash\n" + body, StandardCharsets.UTF_8);
        assertTrue(p.toFile().setExecutable(true));
        return p;
    }

    private static String json(String impl, String device, double stepMs, String extra) {
        return "{\"impl\":\"" + impl + "\",\"device\":\"" + device + "\",\"model\":\"bench-19m\",\"threads\":2,"
                + "\"batch\":4,\"seq_length\":128,\"step_time_ms\":" + stepMs
                + ",\"tokens_per_s\":" + (512_000 / stepMs)
                + ",\"peak_memory_bytes\":1048576,\"peak_memory_kind\":\"process_peak_rss\"" + extra + "}";
    }

    /**
     * Output of one compare.sh run over one pair on DEVICE: mft at 100 ms a step, torch at 250 ms and mostly in the
     * kernel.
     */
    private static String compare(Path dir, String device, String... options) throws Exception {
        // the mft side spends its CPU time in arithmetic (user time), for ~1 s: the kernel samples a process's
        // user and system time by ticks, which makes the shares of a process of a few milliseconds noise
        Path mft = script(dir, "mft", "awk 'BEGIN { for (i = 0; i < 2e7; i++) s += i * i }'\n"
                + "echo '" + json("mft-djl", device, 100, "") + "'\n");
        // the torch side answers compare.sh's `python -c 'import torch'` check, then spends its CPU time in
        // one-byte reads and writes (system calls: the kernel's share is well above the warning's 30%)
        Path python = script(dir, "python", "[[ \"$1\" == -c ]] && exit 0\n"
                + "dd if=/dev/zero of=/dev/null bs=1 count=600000 2>/dev/null\n"
                + "echo '" + json("pytorch-eager", device, 250, ",\"blas\":[\"libopenblas.so\"]") + "'\n");
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), "--pairs", "1",
                "--wait-idle", "0", "--busy-ok", "--device", device));
        command.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MFT_BIN", mft.toString());
        pb.environment().put("TORCH_PYTHON", python.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "compare.sh did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static void assumeTools() {
        assumeTrue(Files.isExecutable(Paths.get("/usr/bin/python3")) || Files.isExecutable(Paths.get("/bin/python3")),
                "compare.sh's summary needs python3");
    }

    @Test
    void ratioIsTokensPerSecondOfMftOverTorchAndKernelHeavySideIsFlagged(@TempDir Path dir) throws Exception {
        assumeTools();
        String out = compare(dir, "cpu");
        assertTrue(out.contains("ratio mft/torch tokens/s per pair: 2.50; median 2.50"), out);
        assertTrue(out.contains("# torch in the kernel: "), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("WARNING: torch spent ")
                && l.contains("--same-malloc gives PyTorch")), out);
        assertFalse(out.contains("WARNING: mft spent"), out);
    }

    @Test
    void withTheSameMallocSettingsTheWarningDoesNotPointAtThem(@TempDir Path dir) throws Exception {
        assumeTools();
        String out = compare(dir, "cpu", "--same-malloc");
        assertTrue(out.lines().anyMatch(l -> l.startsWith("WARNING: torch spent ")), out);
        assertFalse(out.contains("--same-malloc gives PyTorch"), out);
    }

    @Test
    void onAGpuTheKernelShareIsShownButNotFlagged(@TempDir Path dir) throws Exception {
        assumeTools();
        String out = compare(dir, "gpu");
        assertTrue(out.lines().anyMatch(l -> l.contains("time in the kernel, share of each side's CPU time")), out);
        assertFalse(out.contains("WARNING: torch spent"), out);
    }
}
