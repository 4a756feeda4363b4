package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two tasks, packed rows and CoBa weighting through {@code mft train}: per-task losses, weights and evaluations. */
class MultiTaskTrainingCliTest {

    @TempDir
    Path dir;

    @Test
    void packedTwoTaskCobaRunLogsTaskLossesWeightsAndEvaluations() throws Exception {
        CliRun setup = CliRun.of("demo-setup", "--dir", dir.resolve("demo").toString());
        assertEquals(0, setup.exitCode(), setup.err());
        List<String> lines = Files.readAllLines(dir.resolve("demo/data/demo_chat/demo.jsonl"));
        Files.createDirectories(dir.resolve("tasks/code"));
        Files.createDirectories(dir.resolve("tasks/chat"));
        Files.write(dir.resolve("tasks/code/a.jsonl"), lines.subList(0, 24));
        Files.write(dir.resolve("tasks/chat/b.jsonl"), lines.subList(24, 48));
        Path config = dir.resolve("x.json");
        Files.writeString(config, "{\"data_paths\": \"[tasks/code,tasks/chat]\", \"output_dir\": \"out\","
                + " \"pretrained_model_path\": \"demo/model\", \"model_type\": \"llama\", \"seq_length\": 128,"
                + " \"padding_mode\": \"pack\", \"weighted_loss_mode\": \"coba\", \"coba_warmup_steps\": 2,"
                + " \"data_split\": \"75,25,0\", \"max_train_steps\": 4, \"evaluation_steps\": 2, \"log_interval\": 1,"
                + " \"per_device_train_batch_size\": 2, \"learning_rate\": 0.003, \"device\": \"cpu\","
                + " \"data_cache_dir\": \"cache\"}");

        CliRun run = CliRun.of("train", "--train_config", config.toString());

        assertEquals(0, run.exitCode(), run.err() + run.out());
        assertTrue(run.out().contains("data: task code: 24 conversations") && run.out().contains("eval at step 2"),
                run.out());
        List<JsonNode> train = new ArrayList<>();
        List<JsonNode> eval = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("out/metrics.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(line);
            (n.has("eval_loss") ? eval : train).add(n);
        }
        assertEquals(4, train.size());
        for (JsonNode n : train) {
            assertTrue(n.get("task_losses").has("code") && n.get("task_losses").has("chat"), n.toString());
        }
        assertEquals("{\"code\":1.0,\"chat\":1.0}", train.get(0).get("task_weights").toString()); // before warmup
        JsonNode adapted = train.get(3).get("task_weights");
        assertEquals(1.0, adapted.get("code").asDouble() + adapted.get("chat").asDouble(), 1e-9);
        assertEquals(List.of(2, 4), eval.stream().map(n -> n.get("step").asInt()).toList());
        assertTrue(eval.get(1).get("eval_task_losses").has("chat"), eval.get(1).toString());

        CliRun again = CliRun.of("train", "--train_config", config.toString(), "--output_dir", dir.resolve("out2").toString());
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("data: read from the dataset cache"), again.out());
    }
}
