package dev.mft.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    /** Exit code, stdout and stderr of one command line. */
    private record Run(int code, String out, String err) {}

    /** Runs {@code mft ARGS} through Main, so the subcommand must be registered there. */
    private static Run mft(String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    @Test
    void oneStepOfATinyPresetPrintsOneJsonLine() throws Exception {
        Run r = mft("bench", "--model", "demo-tiny", "--vocab", "1000", "--steps", "1", "--warmup", "0",
                "--batch", "1", "--seq_length", "8", "--threads", "1", "--no-roofline");
        assertEquals(0, r.code(), "exit code; stderr: " + r.err());
        String out = r.out().strip();
        assertEquals(1, out.lines().count(), out);
        JsonNode j = new ObjectMapper().readTree(out);
        assertTrue(j.get("peak_memory_bytes").asLong() > 0, out);
        assertEquals("process_peak_rss", j.get("peak_memory_kind").asText());
        assertEquals(j.get("params").asLong(), j.get("trainable_params").asLong(), "full fine-tuning trains all");
        assertEquals("mft-djl", j.get("impl").asText());
        boolean x86 = List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
        JsonNode capability = j.get("aten_cpu_capability"); // present always, null off x86-64
        assertTrue(x86 ? capability.isTextual() && !capability.asText().isBlank() : capability.isNull(), out);
        assertEquals(1, j.get("threads").asInt());
        assertEquals(1, j.get("steps").asInt());
        // demo-tiny: embed + lm_head 2*1000*64, per layer q,o 64*64, k,v 64*32 (2 kv heads), mlp 3*64*172,
        // norms 2*64; 2 layers + final norm 64
        long perLayer = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 172 + 2 * 64;
        assertEquals(2L * 1000 * 64 + 2 * perLayer + 64, j.get("params").asLong());
        // N(0, 0.02) weights give near-uniform next-token probabilities: CE close to ln(vocab)
        assertEquals(Math.log(1000), j.get("loss_first").asDouble(), 0.05);
        // FLOPs by hand: 6 x matmul weights (projections + lm_head) + 12 x layers x hidden x seq, per token
        long matmul = 2L * (64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 172) + 64L * 1000;
        assertEquals((6.0 * matmul + 12.0 * 2 * 64 * 8) * 8, j.get("step_flops").asDouble(), 1e-3);
        double median = j.get("step_time_ms").asDouble();
        assertTrue(median > 0, out);
        assertEquals(8 / (median / 1000), j.get("tokens_per_s").asDouble(), 0.01 * j.get("tokens_per_s").asDouble());
        // the JVM's heap and JIT options, as this (surefire's) JVM was started: pom.xml's argLine sets -Xmx3g
        List<String> jvmOptions = new ArrayList<>();
        j.get("jvm_options").forEach(o -> jvmOptions.add(o.asText()));
        assertTrue(jvmOptions.contains("-Xmx3g"), out);
        assertTrue(jvmOptions.stream().allMatch(o -> o.startsWith("-X")), out);
    }

    @Test
    void zeroTimedStepsIsAUsageError() {
        Run r = mft("bench", "--model", "demo-tiny", "--steps", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--steps must be >= 1, got 0"), r.err());
    }

    @Test
    void unknownPresetIsAUsageErrorNamingTheOption() {
        Run r = mft("bench", "--model", "no-such-preset");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model 'no-such-preset' is neither a model folder, a preset"), r.err());
    }

    @Test
    void unknownAttentionIsAUsageError() {
        Run r = mft("bench", "--attention", "flash");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("expected sdpa or eager, got 'flash'"), r.err());
    }

    @Test
    void loraTrainsOnlyTheAdaptersAndCountsTheirFlops() throws Exception {
        Run r = mft("bench", "--model", "demo-tiny", "--vocab", "1000", "--peft", "lora", "--lora_rank", "4",
                "--steps", "2", "--warmup", "0", "--batch", "1", "--seq_length", "8", "--threads", "1",
                "--no-roofline");
        assertEquals(0, r.code(), "exit code; stderr: " + r.err());
        JsonNode j = new ObjectMapper().readTree(r.out().strip());
        assertEquals("lora", j.get("peft").asText());
        // demo-tiny (hidden 64, 2 kv heads of 16, ffn 172, 2 layers): r x (in + out) per projection
        long perLayer = 4L * ((64 + 64) + (64 + 32) + (64 + 32) + (64 + 64) + (64 + 172) + (64 + 172) + (172 + 64));
        assertEquals(2 * perLayer, j.get("trainable_params").asLong());
        // FLOPs by hand: frozen matmuls 4 x weights, adapters 6 x, attention 12 x layers x hidden x seq, per token
        long matmul = 2L * (64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 172) + 64L * 1000;
        double perToken = 4.0 * matmul + 6.0 * 2 * perLayer + 12.0 * 2 * 64 * 8;
        assertEquals(perToken * 8, j.get("step_flops").asDouble(), 1e-6 * perToken);
    }

    @Test
    void badPeftIsAUsageError() {
        Run r = mft("bench", "--peft", "dora");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--peft must be none, lora or qlora; got 'dora'"), r.err());
    }

    @Test
    void gpuPeaksComeFromTheDeviceNameAndUnknownDevicesHaveNone() {
        assertEquals(989.4e12, GpuPeaks.bf16FlopsPerSecond("NVIDIA H200"), 1);
        assertEquals(756.0e12, GpuPeaks.bf16FlopsPerSecond("NVIDIA H100 PCIe"), 1);
        assertEquals(989.4e12, GpuPeaks.bf16FlopsPerSecond("NVIDIA H100 80GB HBM3"), 1);
        assertEquals(312.0e12, GpuPeaks.bf16FlopsPerSecond("NVIDIA A100-SXM4-80GB"), 1);
        assertEquals(121.0e12, GpuPeaks.bf16FlopsPerSecond("NVIDIA L4"), 1);
        assertEquals(0, GpuPeaks.bf16FlopsPerSecond("Some Future GPU"));
        assertEquals(0, GpuPeaks.bf16FlopsPerSecond(null));
    }

    @Test
    void rooflineFractionIsTheStepsFlopRateOverTheMeasuredMatmulRate() throws Exception {
        Run r = mft("bench", "--model", "demo-tiny", "--vocab", "100", "--steps", "2", "--warmup", "0",
                "--batch", "1", "--seq_length", "8", "--threads", "1");
        assertEquals(0, r.code(), "exit code; stderr: " + r.err());
        JsonNode j = new ObjectMapper().readTree(r.out().strip());
        double matmul = j.get("matmul_flops_per_s").asDouble();
        double square = j.get("matmul_square_flops_per_s").asDouble();
        double head = j.get("matmul_head_flops_per_s").asDouble();
        assertTrue(square > 1e8, "a 2048^3 matmul runs at more than 0.1 GFLOP/s anywhere: " + square);
        assertTrue(head > 0, "the lm_head's matmul ([8, 64] x [64, 100] here) was timed: " + head);
        assertEquals(Math.max(square, head), matmul, 1, "the roofline's rate is the faster of the two shapes");
        double stepMs = j.get("step_time_ms").asDouble(); // printed to 0.1 ms
        double achieved = j.get("step_flops").asDouble() / (stepMs / 1000);
        double rounding = 0.06 / stepMs; // relative error of the printed step time
        assertEquals(achieved, j.get("achieved_flops_per_s").asDouble(), rounding * achieved + 1);
        assertEquals(achieved / matmul, j.get("roofline_fraction").asDouble(), 0.0006 + rounding * achieved / matmul);
    }
}
