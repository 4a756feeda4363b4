package dev.mft.core.train;

import dev.mft.core.loss.LossWeighting;
import java.util.List;
import java.util.Objects;

/**
 * The MFT side of a run: task names (for per-task metrics), how task losses are weighted, and the validation batches
 * that per-task evaluation (every {@code evalInterval} steps) and the adaptive weightings read.
 *
 * @param evalInterval optimizer steps between evaluations on {@code validation}; 0 = never
 */
public record MultiTask(List<String> taskNames, LossWeighting weighting, List<TokenBatch> validation,
        int evalInterval) {

    public MultiTask {
        taskNames = List.copyOf(taskNames);
        Objects.requireNonNull(weighting, "weighting");
        validation = List.copyOf(validation);
        if (taskNames.isEmpty() || evalInterval < 0) {
            throw new IllegalArgumentException("need at least one task and evalInterval >= 0; got " + taskNames
                    + ", " + evalInterval);
        }
        if (weighting.wantsValidation(0) && validation.isEmpty()) {
            throw new IllegalArgumentException("the loss weighting reads validation losses but there is no"
                    + " validation data");
        }
    }

    /** One task, case1 (the token mean of each optimizer step), no evaluation. */
    public static MultiTask single() {
        return new MultiTask(List.of("default"), LossWeighting.tokenMean(), List.of(), 0);
    }
}
