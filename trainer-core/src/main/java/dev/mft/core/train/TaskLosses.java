package dev.mft.core.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Token-mean loss per task, accumulated from per-position losses of batches on the host. */
public final class TaskLosses {
    private final double[] sums;
    private final long[] tokens;

    public TaskLosses(int tasks) {
        sums = new double[tasks];
        tokens = new long[tasks];
    }

    /** Adds a batch's per-position losses ([B, T] row-major, aligned with its shifted targets). */
    public void add(TokenBatch b, float[] tokenLosses) {
        int[] targets = b.shiftedTargets();
        int[] owner = b.targetSamples();
        for (int p = 0; p < targets.length; p++) {
            if (targets[p] != TokenBatch.IGNORE) {
                int task = b.sampleTasks()[owner[p]];
                sums[task] += tokenLosses[p];
                tokens[task]++;
            }
        }
    }

    /** Mean per task, NaN for a task without tokens. */
    public double[] means() {
        double[] out = new double[sums.length];
        for (int t = 0; t < out.length; t++) {
            out[t] = tokens[t] == 0 ? Double.NaN : sums[t] / tokens[t];
        }
        return out;
    }

    /** Summed loss over all tasks. */
    public double sum() {
        double s = 0;
        for (double x : sums) {
            s += x;
        }
        return s;
    }

    /** Tokens over all tasks. */
    public long tokens() {
        long n = 0;
        for (long x : tokens) {
            n += x;
        }
        return n;
    }

    /** Task name to mean, tasks without tokens left out. */
    public Map<String, Double> byName(List<String> names) {
        Map<String, Double> out = new LinkedHashMap<>();
        double[] m = means();
        for (int t = 0; t < m.length; t++) {
            if (!Double.isNaN(m[t])) {
                out.put(names.get(t), m[t]);
            }
        }
        return out;
    }
}
