package dev.mft.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchStepCommandTest {

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
        Run r = mft("bench-step", "--preset", "demo-tiny", "--vocab", "1000", "--steps", "1", "--warmup", "0",
                "--batch", "1", "--seq", "8", "--threads", "1");
        assertEquals(0, r.code(), "exit code; stderr: " + r.err());
        String out = r.out().strip();
        assertEquals(1, out.lines().count(), out);
        JsonNode j = new ObjectMapper().readTree(out);
        assertEquals("mft-djl", j.get("impl").asText());
        assertEquals(1, j.get("threads").asInt());
        assertEquals(1, j.get("steps").asInt());
        // demo-tiny: embed + lm_head 2*1000*64, per layer q,o 64*64, k,v 64*32 (2 kv heads), mlp 3*64*172,
        // norms 2*64; 2 layers + final norm 64
        long perLayer = 2 * 64 * 64 + 2 * 64 * 32 + 3 * 64 * 172 + 2 * 64;
        assertEquals(2L * 1000 * 64 + 2 * perLayer + 64, j.get("params").asLong());
        // N(0, 0.02) weights give near-uniform next-token probabilities: CE close to ln(vocab)
        assertEquals(Math.log(1000), j.get("loss_first").asDouble(), 0.05);
        double median = j.get("ms_per_step_median").asDouble();
        assertTrue(median > 0, out);
        assertEquals(8 / (median / 1000), j.get("tokens_per_s").asDouble(), 0.01 * j.get("tokens_per_s").asDouble());
    }

    @Test
    void zeroTimedStepsIsAUsageError() {
        Run r = mft("bench-step", "--preset", "demo-tiny", "--steps", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--steps must be >= 1, got 0"), r.err());
    }

    @Test
    void unknownPresetIsAUsageErrorNamingTheOption() {
        Run r = mft("bench-step", "--preset", "no-such-preset");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--preset 'no-such-preset' is neither a preset"), r.err());
    }

    @Test
    void unknownAttentionIsAUsageError() {
        Run r = mft("bench-step", "--attention", "flash");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("expected sdpa or eager, got 'flash'"), r.err());
    }
}
