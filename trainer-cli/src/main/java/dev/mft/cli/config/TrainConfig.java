package dev.mft.cli.config;

import java.util.Objects;

/**
 * A validated train config: one record per concern. Build it with {@link TrainConfigLoader}; the compact
 * constructors here (and in each part) check ranges and the rules that span parts.
 */
public record TrainConfig(
        ModelConfig model,
        DataConfig data,
        LossConfig loss,
        PeftConfig peft,
        OptimConfig optim,
        ScheduleConfig schedule,
        CheckpointConfig checkpoint,
        EvalConfig eval,
        LoggingConfig logging,
        RuntimeConfig runtime,
        DistConfig dist) {

    public TrainConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(peft, "peft");
        Objects.requireNonNull(optim, "optim");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(eval, "eval");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(dist, "dist");
        int tasks = data.dataPaths().size();
        Checks.check(loss.taskWeights().isEmpty() || loss.taskWeights().size() == tasks, "task_weights",
                loss.taskWeights(), "one weight per data_paths entry (" + tasks + ")");
        boolean hasValidation = !data.evalDataPaths().isEmpty() || data.dataSplit().valid() > 0;
        // The adaptive modes steer by validation-loss slopes; without validation data they have nothing to read.
        Checks.check(!loss.weightedLossMode().adaptive() || hasValidation, "weighted_loss_mode",
                loss.weightedLossMode().configName(),
                "case1..case4 when there is no validation data (set a validation share in data_split, e.g. "
                        + "\"98,2,0\", or eval_data_paths)");
    }
}
