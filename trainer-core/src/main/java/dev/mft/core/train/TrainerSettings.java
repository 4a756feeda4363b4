package dev.mft.core.train;

/**
 * How long and how the loop runs; the optimizer and schedule are built separately.
 *
 * @param epochs num_train_epochs
 * @param maxSteps max_train_steps (optimizer steps), 0 = no limit beyond epochs
 * @param gradientAccumulation micro-batches per optimizer step
 * @param maxGradNorm global-norm clip, <= 0 disables clipping
 * @param logInterval log every N optimizer steps (and always the last)
 * @param maxNonFiniteSteps stop the run after this many steps in a row with a NaN/Inf loss or gradient norm (each one
 *     is skipped: no weight update)
 * @param gradientCheckpointing recompute each decoder layer in backward instead of keeping its activations
 */
public record TrainerSettings(int epochs, int maxSteps, int gradientAccumulation, double maxGradNorm,
        int logInterval, int maxNonFiniteSteps, boolean gradientCheckpointing) {

    /** Default limit of non-finite steps in a row. */
    public static final int DEFAULT_MAX_NON_FINITE_STEPS = 5;

    public TrainerSettings(int epochs, int maxSteps, int gradientAccumulation, double maxGradNorm, int logInterval) {
        this(epochs, maxSteps, gradientAccumulation, maxGradNorm, logInterval, DEFAULT_MAX_NON_FINITE_STEPS, false);
    }

    public TrainerSettings(int epochs, int maxSteps, int gradientAccumulation, double maxGradNorm, int logInterval,
            int maxNonFiniteSteps) {
        this(epochs, maxSteps, gradientAccumulation, maxGradNorm, logInterval, maxNonFiniteSteps, false);
    }

    public TrainerSettings {
        if (maxNonFiniteSteps <= 0) {
            throw new IllegalArgumentException("max_non_finite_steps must be > 0, got " + maxNonFiniteSteps);
        }
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
