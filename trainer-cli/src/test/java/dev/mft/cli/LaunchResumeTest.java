package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checkpoints of launched runs: 2 ranks stop after 3 steps (checkpoint written by all ranks together), a second launch
 * resumes from it (auto_resume) and its steps 4-6 and final model equal those of an uninterrupted launched run.
 */
class LaunchResumeTest {
    @org.junit.jupiter.api.io.TempDir
    static Path dir;

    static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        config = DemoWorkspace.create(dir);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static CliRun launch(String stage, String steps, Path out) throws Exception {
        return CliRun.of("launch", "--nproc_per_node", "2", "--master_port", Integer.toString(freePort()), "--",
                "train", "--train_config", config.toString(), "--max_train_steps", steps, "--log_interval", "1",
                "--num_threads", "1", "--lr_scheduler_type", "constant", "--checkpointing_steps", "3",
                "--per_device_train_batch_size", "2", "--zero_stage", stage, "--output_dir", out.toString());
    }

    private static List<JsonNode> training(Path out) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.has("loss")) {
                rows.add(n);
            }
        }
        return rows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "2", "3"})
    void aLaunchedRunResumesFromItsRanksCheckpointExactly(String stage) throws Exception {
        Path straight = dir.resolve("straight-" + stage);
        CliRun a = launch(stage, "6", straight);
        assertEquals(0, a.exitCode(), a.out() + a.err());

        Path parts = dir.resolve("parts-" + stage);
        CliRun first = launch(stage, "3", parts);
        assertEquals(0, first.exitCode(), first.out() + first.err());
        assertTrue(Files.isRegularFile(parts.resolve("checkpoint-3/manifest.json")), first.out());
        CliRun rest = launch(stage, "6", parts);
        assertEquals(0, rest.exitCode(), rest.out() + rest.err());
        assertTrue(rest.out().contains("resume: " + parts.resolve("checkpoint-3")), rest.out());

        List<JsonNode> x = training(straight);
        List<JsonNode> y = training(parts);
        assertEquals(6, x.size());
        assertEquals(6, y.size()); // the resumed file continues the first run's lines
        for (int i = 3; i < 6; i++) {
            assertEquals(x.get(i).get("loss").asDouble(), y.get(i).get("loss").asDouble(), 0.0, "loss at step " + (i + 1));
        }
        assertArrayEquals(Files.readAllBytes(straight.resolve("final/model.safetensors")),
                Files.readAllBytes(parts.resolve("final/model.safetensors")));
    }
}
