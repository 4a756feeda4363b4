package dev.mft.core.train;

/** Receives logged steps (console progress, metrics.jsonl). */
@FunctionalInterface
public interface MetricsSink {
    void log(StepMetrics metrics);

    /** Receives an evaluation on the validation data (ignored unless a sink cares). */
    default void logEval(EvalMetrics metrics) {}
}
