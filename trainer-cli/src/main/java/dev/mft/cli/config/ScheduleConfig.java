package dev.mft.cli.config;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How long training runs, in what batches, and the learning-rate curve over it.
 *
 * @param perDeviceTrainBatchSize micro-batch rows per device
 * @param perDeviceEvalBatchSize evaluation rows per device
 * @param gradientAccumulationSteps micro-batches per optimizer step
 * @param numTrainEpochs passes over the training data (when {@code maxTrainSteps} is empty)
 * @param maxTrainSteps optimizer steps to run; empty = {@code numTrainEpochs} worth
 * @param lrSchedulerType shape of the learning-rate curve after warmup
 * @param warmup linear warmup from 0 to the learning rate
 */
public record ScheduleConfig(
        int perDeviceTrainBatchSize,
        int perDeviceEvalBatchSize,
        int gradientAccumulationSteps,
        int numTrainEpochs,
        OptionalInt maxTrainSteps,
        LrSchedulerType lrSchedulerType,
        Warmup warmup) {

    /** Learning-rate curves (HF {@code get_scheduler} names); {@code constant} has no warmup by definition. */
    public enum LrSchedulerType implements ConfigChoice { COSINE, LINEAR, CONSTANT, CONSTANT_WITH_WARMUP }

    public ScheduleConfig {
        Checks.positive("per_device_train_batch_size", perDeviceTrainBatchSize);
        Checks.positive("per_device_eval_batch_size", perDeviceEvalBatchSize);
        Checks.positive("gradient_accumulation_steps", gradientAccumulationSteps);
        Checks.positive("num_train_epochs", numTrainEpochs);
        Objects.requireNonNull(maxTrainSteps, "max_train_steps");
        maxTrainSteps.ifPresent(steps -> Checks.positive("max_train_steps", steps));
        Objects.requireNonNull(lrSchedulerType, "lr_scheduler_type");
        Objects.requireNonNull(warmup, "num_warmup_steps");
    }
}
