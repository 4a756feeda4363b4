package dev.mft.core.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one logged optimizer step reports (one line of metrics.jsonl).
 *
 * @param loss the step's loss as the weighting mode defines it (case1: mean token CE over its trained tokens)
 * @param tokens cumulative non-padding tokens seen so far
 * @param trainedTokens trained tokens of this step
 * @param tokensPerSecond non-padding tokens per second over the logging window
 * @param taskLosses mean token CE per task name over the step (empty with a single task)
 * @param taskWeights the weight per task name the loss used (empty for modes without task weights)
 */
public record StepMetrics(int step, int totalSteps, double epoch, double loss, double lr, double gradNorm,
        long tokens, long trainedTokens, double tokensPerSecond, double elapsedSeconds, Map<String, Double> taskLosses,
        Map<String, Double> taskWeights) {

    public StepMetrics {
        // insertion order = task order in metrics.jsonl
        taskLosses = Collections.unmodifiableMap(new LinkedHashMap<>(taskLosses));
        taskWeights = Collections.unmodifiableMap(new LinkedHashMap<>(taskWeights));
    }
}
