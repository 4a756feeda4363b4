package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped LoRA and QLoRA demo configs through the real CLI: training lowers the loss and writes a PEFT adapter;
 * evaluating with --adapter, and merging the adapter into the base, give the same loss.
 */
class PeftDemoTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        CliRun setup = CliRun.of("demo-setup", "--dir", dir.resolve("demo").toString());
        assertEquals(0, setup.exitCode(), setup.err());
        for (String name : List.of("demo_lora.json", "demo_qlora.json")) {
            String shipped = Files.readString(Path.of(System.getProperty("mft.repo.root", "..")).resolve("configs")
                    .resolve(name));
            Files.writeString(dir.resolve(name), shipped.replace("../work/demo/", "demo/")
                    .replace("../work/", "out/"));
        }
    }

    private static double loss(CliRun r) throws Exception {
        assertEquals(0, r.exitCode(), r.err());
        return JSON.readTree(r.out()).get("loss").asDouble();
    }

    private static double[] firstAndLastLoss(Path outDir) throws Exception {
        List<JsonNode> steps = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(outDir.resolve("metrics.jsonl"))) {
            JsonNode row = JSON.readTree(line);
            if (row.has("loss")) { // eval rows carry eval_loss only
                steps.add(row);
            }
        }
        return new double[] {steps.get(0).get("loss").asDouble(), steps.get(steps.size() - 1).get("loss").asDouble()};
    }

    /** Trains a demo config briefly and checks the run and its adapter folder; returns the adapter folder. */
    private static Path train(String config, String out, int steps) throws Exception {
        Path outDir = dir.resolve(out);
        CliRun r = CliRun.of("train", "--train_config", dir.resolve(config).toString(), "--max_train_steps",
                String.valueOf(steps), "--log_interval", "1", "--output_dir", outDir.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        double[] loss = firstAndLastLoss(outDir);
        assertTrue(steps < 10 || loss[1] < 0.97 * loss[0], config + ": loss " + loss[0] + " -> " + loss[1]);
        Path adapter = outDir.resolve("final");
        for (String f : List.of("adapter_config.json", "adapter_model.safetensors", "tokenizer.json",
                "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(adapter.resolve(f)), "final/ lacks " + f);
        }
        assertFalse(Files.exists(adapter.resolve("model.safetensors")), "an adapter run does not save the base");
        return adapter;
    }

    @Test
    void loraTrainsAnAdapterThatEvaluatesAndMergesToTheSameLoss() throws Exception {
        Path adapter = train("demo_lora.json", "lora", 24);
        String config = dir.resolve("demo_lora.json").toString();
        double base = loss(CliRun.of("eval", "--train_config", config));
        double withAdapter = loss(CliRun.of("eval", "--train_config", config, "--adapter", adapter.toString()));
        assertTrue(withAdapter < 0.97 * base, base + " -> " + withAdapter);

        Path merged = dir.resolve("lora-merged");
        CliRun m = CliRun.of("merge-adapter", "--base_model_or_path", dir.resolve("demo/model").toString(),
                "--adaptor_path", adapter.toString(), "--merged_output_path", merged.toString());
        assertEquals(0, m.exitCode(), m.err());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            assertTrue(Files.isRegularFile(merged.resolve(f)), "merged/ lacks " + f);
        }
        double mergedLoss = loss(CliRun.of("eval", "--train_config", config, "--pretrained_model_path",
                merged.toString()));
        assertEquals(withAdapter, mergedLoss, 1e-5 * withAdapter);

        // sampling with one seed through the adapter and through the merged model draws the same tokens (the demo
        // model is too weak for greedy decoding to say more than EOS); the base alone draws others
        String[] prompt = {"--prompt", "What is 3 plus 4?", "--max_new_tokens", "12", "--device", "cpu",
            "--temperature", "1.0", "--seed", "7"};
        String baseModel = dir.resolve("demo/model").toString();
        CliRun viaAdapter = CliRun.of(concat(new String[] {"generate", "--model", baseModel, "--adapter",
            adapter.toString()}, prompt));
        CliRun viaMerged = CliRun.of(concat(new String[] {"generate", "--model", merged.toString()}, prompt));
        CliRun viaBase = CliRun.of(concat(new String[] {"generate", "--model", baseModel}, prompt));
        assertEquals(0, viaAdapter.exitCode(), viaAdapter.err());
        assertFalse(viaAdapter.out().isBlank(), "a reply is printed");
        assertEquals(viaMerged.out(), viaAdapter.out());
        assertNotEquals(viaBase.out(), viaAdapter.out(), "--adapter changes the model");
    }

    @Test
    void qloraTrainsAnAdapterOverNf4WeightsThatMergesIntoTheDequantizedBase() throws Exception {
        Path adapter = train("demo_qlora.json", "qlora", 24);
        String config = dir.resolve("demo_qlora.json").toString();
        double withAdapter = loss(CliRun.of("eval", "--train_config", config, "--adapter", adapter.toString()));
        Path merged = dir.resolve("qlora-merged");
        CliRun m = CliRun.of("merge-adapter", "--base-model-or-path", dir.resolve("demo/model").toString(),
                "--adaptor-path", adapter.toString(), "--merged-output-path", merged.toString(), "--merge-into",
                "nf4");
        assertEquals(0, m.exitCode(), m.err());
        // the merged model is fp32 and dense: evaluate it as a plain model (peft_type null)
        double mergedLoss = loss(CliRun.of("eval", "--train_config", config, "--peft_type", "null",
                "--pretrained_model_path", merged.toString()));
        assertEquals(withAdapter, mergedLoss, 1e-5 * withAdapter);
    }

    @Test
    void anAdapterForAnotherBaseIsRefusedNamingWhatDiffers() throws Exception {
        Path adapter = train("demo_lora.json", "lora-for-refusal", 1);
        Path other = dir.resolve("qwen2-base");
        assertEquals(0, CliRun.of("init-model", "--config", "qwen2-tiny", "--tokenizer",
                dir.resolve("demo/tokenizer").toString(), "--output", other.toString()).exitCode());
        CliRun m = CliRun.of("merge-adapter", "--base_model_or_path", other.toString(), "--adaptor_path",
                adapter.toString(), "--merged_output_path", dir.resolve("never").toString());
        assertEquals(1, m.exitCode());
        assertTrue(m.err().contains("model.layers.0.self_attn.q_proj.lora_A.weight has shape [16, 64], but the base"
                + " model's model.layers.0.self_attn.q_proj.weight needs [16, 32]"), m.err());
        assertFalse(Files.exists(dir.resolve("never")));
    }

    @Test
    void aLoraRunResumesFromTheAdapterInItsCheckpointExactly() throws Exception {
        String[] common = {"train", "--train_config", dir.resolve("demo_lora.json").toString(), "--lora_dropout", "0",
            "--lr_scheduler_type", "constant", "--log_interval", "1"};
        CliRun straight = CliRun.of(concat(common, "--max_train_steps", "6", "--output_dir",
                dir.resolve("straight").toString()));
        assertEquals(0, straight.exitCode(), straight.err());
        Path parts = dir.resolve("parts");
        CliRun first = CliRun.of(concat(common, "--max_train_steps", "3", "--output_dir", parts.toString()));
        assertEquals(0, first.exitCode(), first.err());
        Path checkpoint = parts.resolve("checkpoint-3");
        assertTrue(Files.isRegularFile(checkpoint.resolve("adapter/adapter_model.safetensors")), "adapter checkpoint");
        assertFalse(Files.exists(checkpoint.resolve("model")), "a LoRA checkpoint does not copy the base");
        CliRun rest = CliRun.of(concat(common, "--max_train_steps", "6", "--output_dir", parts.toString()));
        assertEquals(0, rest.exitCode(), rest.err());
        assertTrue(rest.out().contains("resume: " + checkpoint), rest.out());
        assertArrayEquals(Files.readAllBytes(dir.resolve("straight/final/adapter_model.safetensors")),
                Files.readAllBytes(parts.resolve("final/adapter_model.safetensors")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
