package dev.mft.cli.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Multi-process training settings.
 *
 * @param distributedType parallel strategy name; empty = chosen by the launcher (validated by the distributed module)
 * @param initTimeoutSeconds how long rendezvous and collectives may wait before the run fails instead of hanging
 */
public record DistConfig(Optional<String> distributedType, int initTimeoutSeconds) {

    public DistConfig {
        Objects.requireNonNull(distributedType, "distributed_type");
        distributedType.ifPresent(type -> Checks.nonBlank("distributed_type", type));
        Checks.positive("init_timeout_seconds", initTimeoutSeconds);
    }
}
