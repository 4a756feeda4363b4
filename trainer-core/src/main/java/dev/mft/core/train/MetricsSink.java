package dev.mft.core.train;

/** Receives logged steps (console progress, metrics.jsonl). */
@FunctionalInterface
public interface MetricsSink {
    void log(StepMetrics metrics);
}
