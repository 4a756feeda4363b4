package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.cli.config.TrainConfig;
import dev.mft.cli.config.TrainConfigLoader;
import dev.mft.cli.recipe.PreparedData;
import dev.mft.data.io.AtomicFiles;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.TokenizedExample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mft eval} on a random Qwen2 model (vocab 151936, BF16, tied embeddings, q/k/v biases) with the real
 * Qwen2.5 tokenizer, against the float64 PyTorch reference in {@code qwen-eval/golden.json}. The reference has
 * no tokenizer, so the golden also pins the ids and labels our data path gave when it was made (regenerate:
 * scripts/reference/README.md).
 */
class QwenEvalGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double RELATIVE_TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    @Test
    void tokenizationStillGivesTheGoldenIdsAndLabels() throws IOException {
        JsonNode golden = golden();
        List<TokenizedExample> examples = tokenize(writeSetup());
        assertEquals(golden.get("input_ids").size(), examples.size(), "examples in the data");
        for (int row = 0; row < examples.size(); row++) {
            assertArrayEquals(ints(golden.get("input_ids").get(row)), examples.get(row).inputIds(),
                    "input_ids of example " + row);
            assertArrayEquals(ints(golden.get("labels").get(row)), examples.get(row).labels(),
                    "labels of example " + row);
        }
    }

    @Test
    void evalCommandPrintsTheReferenceLossWithinOneInTenThousand() throws IOException {
        JsonNode golden = golden();
        Path config = writeSetup();
        String stdout = stdoutOf(() -> assertEquals(0, Main.run("eval", "--train_config", config.toString()),
                "exit code of mft eval"));
        String line = stdout.strip();
        assertTrue(line.matches("\\{\"loss\": \\d+\\.\\d{8}, \"tokens\": \\d+}"),
                "mft eval should print one line {\"loss\": <mean CE>, \"tokens\": <count>}, printed: " + stdout);
        JsonNode printed = JSON.readTree(line);
        assertEquals(golden.get("tokens").asLong(), printed.get("tokens").asLong(), "trained tokens");
        double expected = golden.get("loss").asDouble();
        double relative = Math.abs(printed.get("loss").asDouble() - expected) / expected;
        System.err.printf("qwen-eval: mft eval loss %s, reference %s, relative error %.2e%n",
                printed.get("loss").asText(), expected, relative);
        assertTrue(relative <= RELATIVE_TOLERANCE, "loss " + printed.get("loss").asText() + " vs reference "
                + expected + ": relative error " + relative + " > " + RELATIVE_TOLERANCE);
    }

    /**
     * Not a test: writes the ids and labels for the reference (step 2 of regenerating golden.json). Run with
     * {@code -Dmft.recordGolden=true}; the file goes to {@code -Dmft.recordGolden.out} or
     * trainer-cli/target/qwen-eval/inputs.json.
     */
    @Test
    @EnabledIfSystemProperty(named = "mft.recordGolden", matches = "true")
    void recordInputsForTheReference() throws IOException {
        List<TokenizedExample> examples = tokenize(writeSetup());
        ObjectNode inputs = JSON.createObjectNode();
        inputs.set("input_ids", JSON.valueToTree(examples.stream().map(TokenizedExample::inputIds).toList()));
        inputs.set("labels", JSON.valueToTree(examples.stream().map(TokenizedExample::labels).toList()));
        Path out = Path.of(System.getProperty("mft.recordGolden.out",
                Path.of(System.getProperty("mft.repo.root", "..")).resolve("trainer-cli/target/qwen-eval/inputs.json")
                        .toString()));
        Files.createDirectories(out.toAbsolutePath().getParent());
        AtomicFiles.writeString(out, JSON.writeValueAsString(inputs) + "\n");
        System.err.println("qwen-eval: wrote " + examples.size() + " examples to " + out.toAbsolutePath());
    }

    /**
     * The test's model folder (the committed model plus the real tokenizer files, in the temp folder so nothing
     * lands in the repo) and a train config over the committed data. Returns the config's path.
     */
    private Path writeSetup() throws IOException {
        Path tokenizer = SharedAssets.tokenizer("qwen2_5");
        Path model = Files.createDirectories(tmp.resolve("model"));
        for (Path file : List.of(resources().resolve("model/config.json"),
                resources().resolve("model/model.safetensors"), tokenizer.resolve("tokenizer.json"),
                tokenizer.resolve("tokenizer_config.json"))) {
            Files.copy(file, model.resolve(file.getFileName()));
        }
        ObjectNode config = JSON.createObjectNode();
        config.putArray("data_paths").add(resources().resolve("data/qwen_eval").toString());
        config.put("output_dir", tmp.resolve("out").toString());
        config.put("pretrained_model_path", model.toString());
        config.put("model_type", "qwen2");
        config.putNull("peft_type");
        config.put("seq_length", 512);
        // two rows per batch: the four examples differ in length, so every batch is padded
        config.put("per_device_eval_batch_size", 2);
        config.put("device", "cpu");
        Path file = tmp.resolve("train.json");
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        return file;
    }

    /** The examples as {@code mft eval} prepares them: every example of data_paths, in file order. */
    private static List<TokenizedExample> tokenize(Path configFile) {
        TrainConfig config = TrainConfigLoader.load(configFile, Map.of());
        try (HfTokenizer tokenizer = HfTokenizer.load(config.model().pretrainedModelPath())) {
            return PreparedData.prepare(config.data(), tokenizer, config.runtime().seed(), false,
                    new PrintStream(OutputStream.nullOutputStream())).train();
        }
    }

    private static JsonNode golden() throws IOException {
        return JSON.readTree(resources().resolve("golden.json").toFile());
    }

    private static Path resources() {
        try {
            return Path.of(QwenEvalGoldenTest.class.getResource("/qwen-eval").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** What {@code action} prints to System.out. */
    private static String stdoutOf(Runnable action) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
