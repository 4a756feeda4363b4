package dev.mft.core.loss;

import dev.mft.core.train.TokenBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * MFTCoder v0.4's self-paced weighting: case3 with task weights that follow how fast each task's validation loss
 * falls. Every {@code interval} steps the validation loss of each task is sampled; from step {@code historyLength}
 * on, the weights are recomputed from the least-squares slopes over the last {@code historyLength} samples:
 *
 * <pre>
 * s = N * slope / sum|slope|      score = softmax(s) * (-s)      w = softmax(scaleFactor * score)
 * </pre>
 *
 * (uniform when every slope is 0). Until then the configured task weights apply.
 */
public final class SelfPacedWeighting implements LossWeighting {

    private final TaskWeighting case3;
    private final int interval;
    private final int historyLength;
    private final int sampleValidNum;
    private final double scaleFactor;
    private final List<Deque<Double>> history = new ArrayList<>();

    public SelfPacedWeighting(double[] initialWeights, int interval, int historyLength, int sampleValidNum,
            double scaleFactor) {
        this.case3 = new TaskWeighting(TaskWeighting.Mode.CASE3, initialWeights);
        this.interval = interval;
        this.historyLength = historyLength;
        this.sampleValidNum = sampleValidNum;
        this.scaleFactor = scaleFactor;
        for (int t = 0; t < initialWeights.length; t++) {
            history.add(new ArrayDeque<>());
        }
    }

    @Override
    public float[][] tokenWeights(List<TokenBatch> step) {
        return case3.tokenWeights(step);
    }

    @Override
    public double[] taskWeights() {
        return case3.taskWeights();
    }

    @Override
    public boolean wantsValidation(int completedSteps) {
        return completedSteps % interval == 0;
    }

    @Override
    public int validationBatches() {
        return sampleValidNum;
    }

    @Override
    public void observeValidation(int completedSteps, double[] taskLosses) {
        for (int t = 0; t < taskLosses.length; t++) {
            Deque<Double> h = history.get(t);
            h.addLast(taskLosses[t]);
            while (h.size() > historyLength) {
                h.removeFirst();
            }
        }
        if (completedSteps >= historyLength) {
            case3.setWeights(weights(slopes()));
        }
    }

    private double[] slopes() {
        double[] slopes = new double[history.size()];
        for (int t = 0; t < slopes.length; t++) {
            slopes[t] = WindowSlope.of(new ArrayList<>(history.get(t)));
        }
        return slopes;
    }

    /** The weights for these slopes (package-private for the hand-computed test). */
    double[] weights(double[] slopes) {
        int n = slopes.length;
        double sumAbs = 0;
        for (double s : slopes) {
            sumAbs += Math.abs(s);
        }
        double[] w = new double[n];
        if (sumAbs == 0) {
            java.util.Arrays.fill(w, 1.0 / n);
            return w;
        }
        double[] s = new double[n];
        for (int t = 0; t < n; t++) {
            s[t] = n * slopes[t] / sumAbs;
        }
        double[] p = WindowSlope.softmax(s);
        double[] score = new double[n];
        for (int t = 0; t < n; t++) {
            score[t] = scaleFactor * p[t] * -s[t];
        }
        return WindowSlope.softmax(score);
    }
}
