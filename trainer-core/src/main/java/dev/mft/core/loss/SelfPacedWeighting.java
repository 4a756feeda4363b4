package dev.mft.core.loss;


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
public final class SelfPacedWeighting extends AdaptiveWeighting {

    private final int interval;
    private final int historyLength;
    private final double scaleFactor;
    private final LossWindows history;

    public SelfPacedWeighting(double[] initialWeights, int interval, int historyLength, int sampleValidNum,
            double scaleFactor) {
        super(initialWeights, sampleValidNum);
        this.interval = interval;
        this.historyLength = historyLength;
        this.scaleFactor = scaleFactor;
        this.history = new LossWindows(initialWeights.length, historyLength);
    }

    @Override
    public boolean wantsValidation(int completedSteps) {
        return completedSteps % interval == 0;
    }

    @Override
    public void observeValidation(int completedSteps, double[] taskLosses) {
        history.add(taskLosses);
        if (completedSteps >= historyLength) {
            case3.setWeights(weights(history.slopes()));
        }
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
