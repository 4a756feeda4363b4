package dev.mft.cli.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Multi-process training settings. Ranks and world size come from the launcher's environment (torchrun's variables),
 * not from the config.
 *
 * @param distributedType ddp or deepspeed; empty = chosen by the other keys (ZeRO when a stage is given, else DDP)
 * @param zeroStage 0 (DDP), 1, 2 or 3; empty = the DeepSpeed JSON's stage, else 0
 * @param deepspeed a DeepSpeed JSON (zero_optimization, gradient_clipping), read by the distributed module
 * @param backend which collective backend carries the communication
 * @param initTimeoutSeconds how long rendezvous and collectives may wait before the run fails instead of hanging
 */
public record DistConfig(Optional<DistributedType> distributedType, OptionalInt zeroStage, Optional<Path> deepspeed,
        Backend backend, int initTimeoutSeconds) {

    /** MFTCoder's distributed_type values that mft runs. */
    public enum DistributedType implements ConfigChoice { DDP, DEEPSPEED }

    /** Collective backends: AUTO = NCCL on CUDA devices, the TCP ring on CPU. */
    public enum Backend implements ConfigChoice { AUTO, NCCL, TCP }

    public DistConfig {
        Objects.requireNonNull(distributedType, "distributed_type");
        Objects.requireNonNull(zeroStage, "zero_stage");
        Objects.requireNonNull(deepspeed, "deepspeed");
        Objects.requireNonNull(backend, "dist_backend");
        Checks.positive("init_timeout_seconds", initTimeoutSeconds);
        zeroStage.ifPresent(s -> Checks.check(s >= 0 && s <= 3, "zero_stage", s, "0, 1, 2 or 3"));
        if (distributedType.equals(Optional.of(DistributedType.DDP))) {
            Checks.check(zeroStage.orElse(0) == 0, "zero_stage", zeroStage.orElse(0),
                    "0 with distributed_type \"ddp\" (use \"deepspeed\" for ZeRO stages 1-3)");
            Checks.check(deepspeed.isEmpty(), "deepspeed", deepspeed.map(Path::toString).orElse(""),
                    "null with distributed_type \"ddp\" (use \"deepspeed\" to apply a DeepSpeed JSON)");
        }
    }
}
