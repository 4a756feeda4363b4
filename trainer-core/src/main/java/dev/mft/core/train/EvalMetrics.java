package dev.mft.core.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluation on the validation data during training (a line of metrics.jsonl).
 *
 * @param loss mean token CE over all validation tokens
 * @param taskLosses mean token CE per task name
 */
public record EvalMetrics(int step, double loss, long tokens, Map<String, Double> taskLosses) {
    public EvalMetrics {
        taskLosses = Collections.unmodifiableMap(new LinkedHashMap<>(taskLosses));
    }
}
