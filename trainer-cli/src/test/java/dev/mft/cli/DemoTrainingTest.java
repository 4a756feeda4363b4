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
        // the last line evaluates the validation split (evaluation_steps 100 > 48 steps: only at the end)
        JsonNode eval = ma.remove(ma.size() - 1);
        mb.remove(mb.size() - 1);
        assertEquals(48, eval.get("step").asInt());
        assertTrue(eval.get("eval_loss").asDouble() > 0, eval.toString());
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
        // and it can be talked to with the chat format it was trained with
        CliRun gen = CliRun.of("generate", "--model", finalDir.toString(), "--prompt", "What is 3 + 8?",
                "--max_new_tokens", "12");
        assertEquals(0, gen.exitCode(), gen.err());
        assertTrue(!gen.out().isBlank(), "generate printed nothing");
    }

    @Test
    void bf16TrainingOfTheDemoLowersTheLossAndStaysWithinTwoPercentOfFp32() throws Exception {
        String[] common = {"train", "--train_config", config.toString(), "--max_train_steps", "20", "--log_interval",
            "1", "--evaluation_steps", "1000"};
        CliRun fp32 = CliRun.of(concat(common, "--output_dir", dir.resolve("fp32").toString()));
        assertEquals(0, fp32.exitCode(), fp32.err());
        CliRun bf16 = CliRun.of(concat(common, "--output_dir", dir.resolve("bf16").toString(), "--bf16"));
        assertEquals(0, bf16.exitCode(), bf16.err());
        assertTrue(bf16.out().contains("compute BFLOAT16"), bf16.out());
        List<JsonNode> a = metrics(dir.resolve("fp32"));
        List<JsonNode> b = metrics(dir.resolve("bf16"));
        double first = b.get(0).get("loss").asDouble();
        double last = b.get(19).get("loss").asDouble();
        double ref = a.get(19).get("loss").asDouble();
        assertTrue(last < 0.8 * first, "bf16 demo loss " + first + " -> " + last);
        assertTrue(Math.abs(last - ref) <= 0.02 * ref, "after 20 steps: bf16 " + last + " vs fp32 " + ref);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
