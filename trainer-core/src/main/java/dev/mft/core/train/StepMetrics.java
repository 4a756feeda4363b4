package dev.mft.core.train;

/**
 * What one logged optimizer step reports (one line of metrics.jsonl).
 *
 * @param loss mean token CE over the step's trained tokens
 * @param tokens cumulative non-padding tokens seen so far
 * @param trainedTokens trained tokens of this step
 * @param tokensPerSecond non-padding tokens per second over the logging window
 */
public record StepMetrics(int step, int totalSteps, double epoch, double loss, double lr, double gradNorm,
        long tokens, long trainedTokens, double tokensPerSecond, double elapsedSeconds) {}
