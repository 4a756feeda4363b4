package dev.mft.cli.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Test helpers: writing config files and loading them expecting a problem. */
final class ConfigFiles {
    /** The four required keys, relative paths included. */
    static final String REQUIRED = "\"data_paths\": [\"data/a\", \"data/b\"], \"output_dir\": \"out\", "
            + "\"pretrained_model_path\": \"model\", \"model_type\": \"llama\"";

    private ConfigFiles() {}

    /** Writes {@code {REQUIRED, extra}} to dir/train.json. */
    static Path withRequired(Path dir, String extra) {
        return write(dir.resolve("train.json"), "{" + REQUIRED + (extra.isEmpty() ? "" : ", " + extra) + "}");
    }

    static Path write(Path file, String json) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TrainConfig load(Path file, Map<String, String> overrides) {
        return TrainConfigLoader.load(file, overrides, file.getParent());
    }

    /** The problem loading {REQUIRED, extra} fails with, the file's path written as FILE. */
    static String fileProblem(Path dir, String extra) {
        Path file = withRequired(dir, extra);
        return problem(file, Map.of()).replace(file.toString(), "FILE");
    }

    /** The message of the ConfigException loading fails with. */
    static String problem(Path file, Map<String, String> overrides) {
        return assertThrows(ConfigException.class, () -> load(file, overrides)).getMessage();
    }
}
