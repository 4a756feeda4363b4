package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mistakes a user makes reach them as one clear line naming the file or key, with exit code 1. */
class BadInputTest {
    @TempDir
    Path dir;

    private Path config(String json) throws Exception {
        Path p = dir.resolve("x.json");
        Files.writeString(p, json);
        return p;
    }

    private static final String REQUIRED = "\"data_paths\": \"[data]\", \"output_dir\": \"out\","
            + " \"pretrained_model_path\": \"model\", \"model_type\": \"llama\"";

    @Test
    void unknownKeySuggestsTheNearestOne() throws Exception {
        CliRun r = CliRun.of("train", "--train_config", config("{" + REQUIRED + ", \"learning_rat\": 1e-4}").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("learning_rat") && r.err().contains("did you mean 'learning_rate'"), r.err());
        assertTrue(r.err().contains("x.json"), r.err());
    }

    @Test
    void unknownCommandLineKeySuggestsTheNearestOne() throws Exception {
        CliRun r = CliRun.of("train", "--train_config", config("{" + REQUIRED + "}").toString(), "--num_train_epoch",
                "2");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("num_train_epochs"), r.err());
    }

    @Test
    void wrongTypeNamesKeyAndExpectedType() throws Exception {
        CliRun r = CliRun.of("train", "--train_config", config("{" + REQUIRED + ", \"seq_length\": \"long\"}")
                .toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("seq_length"), r.err());
    }

    @Test
    void missingRequiredKeyIsNamed() throws Exception {
        CliRun r = CliRun.of("train", "--train_config", config("{\"data_paths\": \"[d]\", \"output_dir\": \"o\","
                + " \"model_type\": \"llama\"}").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("pretrained_model_path"), r.err());
    }

    @Test
    void missingModelFolderIsNamed() throws Exception {
        CliRun r = CliRun.of("train", "--train_config", config("{" + REQUIRED + ", \"peft_type\": null}").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(dir.resolve("model").toString()) && r.err().contains("HuggingFace model folder"),
                r.err());
    }

    @Test
    void unsupportedSettingIsRefusedNotIgnored() throws Exception {
        Files.createDirectories(dir.resolve("model"));
        CliRun r = CliRun.of("train", "--train_config", config("{" + REQUIRED + ", \"peft_type\": \"lora\","
                + " \"quantization\": \"8bit\"}").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("quantization \"8bit\"") && r.err().contains("\"quantization\": \"4bit\""),
                r.err());
    }

    @Test
    void missingConfigFileIsNamed() {
        CliRun r = CliRun.of("train", "--train_config", dir.resolve("nope.json").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("nope.json"), r.err());
    }
}
