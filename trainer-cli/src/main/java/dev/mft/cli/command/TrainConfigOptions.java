package dev.mft.cli.command;

import dev.mft.cli.config.TrainConfig;
import dev.mft.cli.config.TrainConfigLoader;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --train_config x.json} plus any config key as {@code --key value}, shared by train and eval. */
public final class TrainConfigOptions {
    @Option(names = {"--train_config", "--train-config"}, required = true, paramLabel = "<x.json>",
            description = "MFTCoder-style train config (docs/configuration.md lists every key).")
    Path trainConfig;

    /**
     * Loads the file with the command-line overrides applied (relative override paths: the working directory).
     * Overrides are the command's unmatched words ({@code @Unmatched} is not honoured inside a mixin).
     */
    TrainConfig load(List<String> overrides) {
        return TrainConfigLoader.load(trainConfig, TrainConfigLoader.parseOverrides(overrides.toArray(String[]::new)));
    }
}
