package dev.mft.cli.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Training metrics output.
 *
 * @param tbDir folder for TensorBoard event files (absolute); empty = none
 * @param logInterval optimizer steps between loss lines
 */
public record LoggingConfig(Optional<Path> tbDir, int logInterval) {

    public LoggingConfig {
        Objects.requireNonNull(tbDir, "tb_dir");
        Checks.positive("log_interval", logInterval);
    }
}
