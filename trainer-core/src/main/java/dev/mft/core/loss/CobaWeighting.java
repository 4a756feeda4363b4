package dev.mft.core.loss;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * MFTCoder v0.5's CoBa (convergence-balanced) weighting: case3 with task weights from the slopes of each task's
 * validation loss, normalized by its first observed value. Validation is sampled every {@code updateInterval} steps;
 * from {@code warmupSteps} on, each update fits the slope of every task (and of the per-point maximum over tasks)
 * over the last {@code historyLength} points and mixes two scores by a divergence factor DF:
 *
 * <pre>
 * RCS = softmax(N * slope / sum_t |slope_t|)                        relative convergence: who converges slowest
 * ACS = softmax(-M * slope / sum over the last M updates of |slope|) absolute convergence (per task, over time)
 * DF  = softmax(-K * tau * total / sum |total|)[last] * K           K updates of the overall slope so far
 * w   = softmax(N * (DF * RCS + (1 - DF) * ACS)), floored at 1/(10N) by w = w (1 - N floor) + floor
 * </pre>
 *
 * (MFTCoder normalizes by a full evaluation before training; here the first sampled observation is the normalizer.)
 */
public final class CobaWeighting extends AdaptiveWeighting {

    private final int warmupSteps;
    private final int historyLength;
    private final double tau;
    private final int updateInterval;
    private final int tasks;
    private double[] first;
    private final LossWindows history;
    private final Deque<double[]> slopeHistory = new ArrayDeque<>();
    private final List<Double> totalHistory = new ArrayList<>();

    public CobaWeighting(double[] initialWeights, int warmupSteps, int historyLength, double tau, int updateInterval,
            int sampleValidNum) {
        super(initialWeights, sampleValidNum);
        this.tasks = initialWeights.length;
        this.warmupSteps = warmupSteps;
        this.historyLength = historyLength;
        this.tau = tau;
        this.updateInterval = updateInterval;
        this.history = new LossWindows(tasks, historyLength);
    }

    @Override
    public boolean wantsValidation(int completedSteps) {
        return completedSteps % updateInterval == 0;
    }

    @Override
    public void observeValidation(int completedSteps, double[] taskLosses) {
        if (first == null) {
            first = new double[tasks];
            for (int t = 0; t < tasks; t++) {
                first[t] = taskLosses[t] > 0 ? taskLosses[t] : 1; // a task absent from the sample normalizes by 1
            }
        }
        double[] normalized = new double[tasks];
        for (int t = 0; t < tasks; t++) {
            normalized[t] = taskLosses[t] / first[t];
        }
        history.add(normalized);
        if (completedSteps >= warmupSteps && completedSteps > 0) {
            case3.setWeights(update());
        }
    }

    private double[] update() {
        double[] slopes = history.slopes();
        List<Double> maxima = new ArrayList<>();
        List<List<Double>> columns = history.columns();
        for (int x = 0; x < columns.get(0).size(); x++) {
            double m = Double.NEGATIVE_INFINITY;
            for (List<Double> c : columns) {
                m = Math.max(m, c.get(x));
            }
            maxima.add(m);
        }
        slopeHistory.addLast(slopes);
        while (slopeHistory.size() > historyLength) {
            slopeHistory.removeFirst();
        }
        totalHistory.add(WindowSlope.of(maxima));
        return weights(slopes, List.copyOf(slopeHistory), totalHistory);
    }

    /** The weights from the current slopes, the recent slope vectors (last = current) and the overall slopes. */
    double[] weights(double[] slopes, List<double[]> recentSlopes, List<Double> totals) {
        int n = slopes.length;
        double sumAbs = 0;
        for (double s : slopes) {
            sumAbs += Math.abs(s);
        }
        double[] relative = new double[n];
        for (int t = 0; t < n; t++) {
            relative[t] = sumAbs == 0 ? 0 : n * slopes[t] / sumAbs;
        }
        double[] rcs = WindowSlope.softmax(relative);

        int m = recentSlopes.size();
        double[] absolute = new double[n];
        for (int t = 0; t < n; t++) {
            double sum = 0;
            for (double[] s : recentSlopes) {
                sum += Math.abs(s[t]);
            }
            absolute[t] = sum == 0 ? 0 : -m * slopes[t] / sum;
        }
        double[] acs = WindowSlope.softmax(absolute);

        int k = totals.size();
        double totalAbs = 0;
        for (double s : totals) {
            totalAbs += Math.abs(s);
        }
        double[] divergence = new double[k];
        for (int i = 0; i < k; i++) {
            divergence[i] = totalAbs == 0 ? 0 : -k * totals.get(i) / totalAbs * tau;
        }
        double df = WindowSlope.softmax(divergence)[k - 1] * k;

        double[] logits = new double[n];
        for (int t = 0; t < n; t++) {
            logits[t] = n * (df * rcs[t] + (1 - df) * acs[t]);
        }
        double[] w = WindowSlope.softmax(logits);
        double floor = 1.0 / (10.0 * n);
        boolean below = false;
        for (double x : w) {
            below |= x < floor;
        }
        if (below) {
            for (int t = 0; t < n; t++) {
                w[t] = w[t] * (1 - floor * n) + floor;
            }
        }
        return w;
    }
}
