package dev.mft.core.loss;

import dev.mft.core.train.TokenBatch;
import java.util.List;

/**
 * How the token losses of one optimizer step combine into the loss that is backpropagated: MFT's
 * {@code weighted_loss_mode}. Every mode is a weight per trained token, computed on the host from the step's batches
 * before the forward pass: the step's loss is {@code sum over micro-batches of sum(CE * weight)}.
 *
 * <p>The adaptive modes (selfpaced, coba) also read validation losses per task during training.
 */
public interface LossWeighting {

    /**
     * Per micro-batch of the step, a weight per position (row-major [B, T], aligned with
     * {@link TokenBatch#shiftedTargets()}): that target's share of the step's loss, 0 where nothing is trained.
     */
    float[][] tokenWeights(List<TokenBatch> step);

    /** The task weights in use (for metrics), or null for the modes without task weights (case1, case2). */
    default double[] taskWeights() {
        return null;
    }

    /** Whether validation losses per task are wanted after {@code completedSteps} optimizer steps (0 = before any). */
    default boolean wantsValidation(int completedSteps) {
        return false;
    }

    /** How many validation batches one observation samples. */
    default int validationBatches() {
        return 0;
    }

    /** Mean validation token loss per task after {@code completedSteps} steps (NaN for a task with no tokens). */
    default void observeValidation(int completedSteps, double[] taskLosses) {}

    /** case1: today's token mean over the whole optimizer step, one task. */
    static LossWeighting tokenMean() {
        return new TaskWeighting(TaskWeighting.Mode.CASE1, new double[] {1});
    }
}
