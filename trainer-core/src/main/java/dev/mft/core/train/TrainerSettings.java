package dev.mft.core.train;

/**
 * How long and how the loop runs; the optimizer and schedule are built separately.
 *
 * @param epochs num_train_epochs
 * @param maxSteps max_train_steps (optimizer steps), 0 = no limit beyond epochs
 * @param gradientAccumulation micro-batches per optimizer step
 * @param maxGradNorm global-norm clip, <= 0 disables clipping
 * @param logInterval log every N optimizer steps (and always the last)
 */
public record TrainerSettings(int epochs, int maxSteps, int gradientAccumulation, double maxGradNorm,
        int logInterval) {
    public TrainerSettings {
        if (epochs <= 0 || maxSteps < 0 || gradientAccumulation <= 0 || logInterval <= 0) {
            throw new IllegalArgumentException("need num_train_epochs > 0, max_train_steps >= 0,"
                    + " gradient_accumulation_steps > 0 and log_interval > 0; got " + epochs + ", " + maxSteps + ", "
                    + gradientAccumulation + ", " + logInterval);
        }
    }

    /** Optimizer steps of the whole run for a data size. */
    public int totalSteps(int batchesPerEpoch) {
        int perEpoch = stepsPerEpoch(batchesPerEpoch);
        long total = (long) perEpoch * epochs;
        if (maxSteps > 0) {
            total = Math.min(total, maxSteps);
        }
        return (int) total;
    }

    /** Optimizer steps per epoch: a last partial accumulation group still makes a step. */
    public int stepsPerEpoch(int batchesPerEpoch) {
        return (batchesPerEpoch + gradientAccumulation - 1) / gradientAccumulation;
    }
}
