package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default through the real CLI: demo-setup, train twice with one seed, eval before and after. */
class DemoTrainingTest {
    @TempDir
    static Path dir;

    static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        config = DemoWorkspace.create(dir);
    }

    private static List<JsonNode> metrics(Path outDir) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(outDir.resolve("metrics.jsonl"))) {
            rows.add(new ObjectMapper().readTree(line));
        }
        return rows;
    }

    @Test
    void trainingTheDemoLowersTheLossAndTheSameSeedRepeatsExactly() throws Exception {
        String[] common = {"train", "--train_config", config.toString(), "--num_train_epochs", "8", "--log_interval",
            "4"};
        CliRun a = CliRun.of(concat(common, "--output_dir", dir.resolve("out-a").toString()));
        assertEquals(0, a.exitCode(), a.err() + a.out());
        CliRun b = CliRun.of(concat(common, "--output_dir", dir.resolve("out-b").toString()));
        assertEquals(0, b.exitCode(), b.err() + b.out());
        assertTrue(a.out().contains("step 48/48"), a.out());

        List<JsonNode> ma = metrics(dir.resolve("out-a"));
        List<JsonNode> mb = metrics(dir.resolve("out-b"));
        assertEquals(12, ma.size());
        for (String field : List.of("step", "epoch", "loss", "lr", "grad_norm", "tokens", "trained_tokens")) {
            assertTrue(ma.get(0).has(field), field);
        }
        for (int i = 0; i < ma.size(); i++) {
            for (String field : List.of("step", "loss", "lr", "grad_norm", "tokens")) {
                assertEquals(ma.get(i).get(field).asDouble(), mb.get(i).get(field).asDouble(), 0.0,
                        field + " at logged row " + i);
            }
        }
        double first = ma.get(0).get("loss").asDouble();
        double last = ma.get(ma.size() - 1).get("loss").asDouble();
        assertTrue(last < 0.6 * first, "loss should fall clearly: " + first + " -> " + last);

        Path finalDir = dir.resolve("out-a/final");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(finalDir.resolve(f)), "final/ lacks " + f);
        }
        // the saved model evaluates to a lower loss than the random one it started from
        CliRun before = CliRun.of("eval", "--train_config", config.toString());
        CliRun after = CliRun.of("eval", "--train_config", config.toString(), "--pretrained_model_path",
                finalDir.toString());
        assertEquals(0, after.exitCode(), after.err());
        double lossBefore = new ObjectMapper().readTree(before.out()).get("loss").asDouble();
        double lossAfter = new ObjectMapper().readTree(after.out()).get("loss").asDouble();
        assertTrue(lossAfter < 0.6 * lossBefore, lossBefore + " -> " + lossAfter);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
