package dev.mft.cli.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Wall-clock seconds of the timed optimizer steps (warmup excluded) and their median and mean.
 *
 * @param seconds one entry per timed step, in run order
 */
public record StepTimes(double[] seconds) {

    public StepTimes {
        if (seconds.length == 0) {
            throw new IllegalArgumentException("no timed steps: --steps must be >= 1");
        }
        seconds = seconds.clone();
    }

    /**
     * Per-step times from the Trainer's cumulative clock ({@code StepMetrics.elapsedSeconds} of every step, logged
     * with log_interval 1): step i took {@code elapsed[i] - elapsed[i-1]}; the first {@code warmup} steps are dropped.
     */
    public static StepTimes fromCumulative(List<Double> elapsed, int warmup) {
        if (warmup < 0 || warmup >= elapsed.size()) {
            throw new IllegalArgumentException("need 0 <= warmup < logged steps; got warmup " + warmup + " of "
                    + elapsed.size() + " steps");
        }
        double[] out = new double[elapsed.size() - warmup];
        double previous = warmup == 0 ? 0.0 : elapsed.get(warmup - 1);
        for (int i = warmup; i < elapsed.size(); i++) {
            out[i - warmup] = elapsed.get(i) - previous;
            previous = elapsed.get(i);
        }
        return new StepTimes(out);
    }

    /**
     * The last {@code count} step times (fewer when fewer steps were logged) from the cumulative clock: the progress
     * line's recent step time, which shows a run's warm-up while it happens.
     */
    public static StepTimes lastSteps(List<Double> elapsed, int count) {
        if (count < 1 || elapsed.isEmpty()) {
            throw new IllegalArgumentException("need count >= 1 and a logged step; got count " + count + " of "
                    + elapsed.size() + " steps");
        }
        int from = Math.max(0, elapsed.size() - count - 1);
        List<Double> window = elapsed.subList(from, elapsed.size());
        return fromCumulative(window, elapsed.size() > count ? 1 : 0);
    }

    /** Median step time (mean of the two middle values for an even count, as Python's statistics.median). */
    public double median() {
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** Median of the {@code length} step times from index {@code from} (run order): drift over a long run. */
    public double windowMedian(int from, int length) {
        if (from < 0 || length < 1 || from + length > seconds.length) {
            throw new IllegalArgumentException("window [" + from + ", " + (from + length) + ") outside the "
                    + seconds.length + " timed steps");
        }
        return new StepTimes(Arrays.copyOfRange(seconds, from, from + length)).median();
    }

    public double mean() {
        return Arrays.stream(seconds).average().orElseThrow();
    }

    /** Tokens per second at the median step time. */
    public double tokensPerSecond(long tokensPerStep) {
        return tokensPerStep / median();
    }
}
