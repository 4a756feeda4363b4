package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mft data inspect} on the real alpaca data with the real Qwen2.5 tokenizer and the chatml template. */
class DataInspectCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path config() throws Exception {
        Path tokenizer = SharedAssets.tokenizer("qwen2_5");
        Path alpaca = tokenizer.resolve("../../data/alpaca_en_demo.json").normalize();
        Path data = Files.createDirectories(dir.resolve("alpaca"));
        // the first three records, as the file has them
        List<JsonNode> records = List.of(JSON.readTree(alpaca.toFile()).get(0), JSON.readTree(alpaca.toFile()).get(1),
                JSON.readTree(alpaca.toFile()).get(2));
        Files.writeString(data.resolve("a.json"), JSON.writeValueAsString(records));
        Path config = dir.resolve("x.json");
        Files.writeString(config, "{\"data_paths\": [\"alpaca\"], \"output_dir\": \"out\", \"pretrained_model_path\": "
                + JSON.writeValueAsString(tokenizer.toString()) + ", \"model_type\": \"qwen2\", \"chat_template\":"
                + " \"chatml\", \"seq_length\": 512, \"data_cache_dir\": \"cache\"}");
        return config;
    }

    private static String rendered(JsonNode r) {
        String input = r.get("input").asText();
        String user = r.get("instruction").asText() + (input.isEmpty() ? "" : "\n" + input);
        return "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n" + r.get("output").asText()
                + "<|im_end|>\n";
    }

    @Test
    void jsonModePrintsOneObjectPerExampleWhoseSegmentsAreTheRenderedText() throws Exception {
        Path config = config();
        JsonNode records = JSON.readTree(dir.resolve("alpaca/a.json").toFile());

        CliRun r = CliRun.of("data", "inspect", "--train_config", config.toString(), "--limit", "2", "--format", "json");

        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        for (int i = 0; i < 2; i++) {
            JsonNode ex = JSON.readTree(lines.get(i));
            assertEquals("alpaca", ex.get("task").asText());
            StringBuilder text = new StringBuilder();
            StringBuilder trained = new StringBuilder();
            for (JsonNode s : ex.get("segments")) {
                text.append(s.get("text").asText());
                trained.append(s.get("trained").asBoolean() ? s.get("text").asText() : "");
            }
            assertEquals(rendered(records.get(i)), text.toString());
            assertEquals(records.get(i).get("output").asText() + "<|im_end|>", trained.toString());
            JsonNode ids = ex.get("input_ids");
            JsonNode labels = ex.get("labels");
            assertEquals(ids.size(), labels.size());
            for (int t = 0; t < ids.size(); t++) {
                int label = labels.get(t).asInt();
                assertTrue(label == -100 || label == ids.get(t).asInt(), "label " + t);
            }
        }
        assertTrue(r.err().contains("alpaca") && r.err().contains("example lengths"), r.err());
    }

    @Test
    void textModeBracketsTheTrainedTextAndEndsWithTheSummary() throws Exception {
        JsonNode first = JSON.readTree(config().getParent().resolve("alpaca/a.json").toFile()).get(0);

        CliRun r = CliRun.of("data", "inspect", "--train_config", dir.resolve("x.json").toString(), "--limit", "1");

        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("<|im_start|>assistant\n[[" + first.get("output").asText() + "<|im_end|>]]\n"),
                r.out());
        assertTrue(r.out().contains("--- example 1 | task alpaca"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("alpaca\\s+3\\s+\\d+\\s+\\d+\\s+0\\s+0")), r.out());
        assertTrue(r.out().contains("bad records skipped: none"), r.out());
    }
}
