package dev.mft.core.train;

/** Receives logged steps (console progress, metrics.jsonl). */
@FunctionalInterface
public interface MetricsSink {
    void log(StepMetrics metrics);

    /** Receives an evaluation on the validation data (ignored unless a sink cares). */
    default void logEval(EvalMetrics metrics) {}

    /** Every sink, in order. */
    static MetricsSink all(MetricsSink... sinks) {
        return new MetricsSink() {
            @Override
            public void log(StepMetrics metrics) {
                for (MetricsSink s : sinks) {
                    s.log(metrics);
                }
            }

            @Override
            public void logEval(EvalMetrics metrics) {
                for (MetricsSink s : sinks) {
                    s.logEval(metrics);
                }
            }
        };
    }
}
