package dev.mft.core.loss;

import dev.mft.core.train.TokenBatch;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * MFTCoder's fixed weighting modes, over the trained tokens of a whole optimizer step (all its micro-batches), with
 * l = token CE, n_s = trained tokens of sample s, t(s) its task, w_t the task weights and W = sum of w_t over the
 * tasks present in the step:
 *
 * <pre>
 * case1  sum(l) / N                                      N = all trained tokens of the step
 * case2  mean over samples s of sum_s(l) / n_s
 * case3  sum_t w_t L_t / W,  L_t = sum(l over t's samples) / N_t                     (token mean per task)
 * case4  sum_t w_t L_t / W,  L_t = mean over t's samples of sum_s(l) / n_s           (sample mean per task)
 * </pre>
 *
 * Each is linear in the token losses, so it is a weight per token: case1 1/N, case2 1/(S n_s), case3
 * w_t/(W N_t), case4 w_t/(W S_t n_s), with S (S_t) the samples (of task t) that have trained tokens. MFTCoder
 * computes these per micro-batch; here they span the optimizer step, so accumulation does not change the loss.
 */
public final class TaskWeighting implements LossWeighting {

    /** The fixed modes. */
    public enum Mode { CASE1, CASE2, CASE3, CASE4 }

    private final Mode mode;
    private double[] weights;

    /** @param weights one per task (case3/case4 read them; case1/case2 only their count) */
    public TaskWeighting(Mode mode, double[] weights) {
        this.mode = mode;
        setWeights(weights);
    }

    /** Replaces the task weights (the adaptive modes move them during training). */
    void setWeights(double[] weights) {
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("task weights must be finite and >= 0, got " + Arrays.toString(weights));
            }
        }
        this.weights = weights.clone();
    }

    @Override
    public double[] taskWeights() {
        return mode == Mode.CASE3 || mode == Mode.CASE4 ? weights.clone() : null;
    }

    @Override
    public float[][] tokenWeights(List<TokenBatch> step) {
        int tasks = weights.length;
        // per micro-batch, trained targets per sample
        int[][] perSample = new int[step.size()][];
        long all = 0;
        long[] taskTokens = new long[tasks];
        int samples = 0;
        int[] taskSamples = new int[tasks];
        for (int i = 0; i < step.size(); i++) {
            TokenBatch b = step.get(i);
            int[] n = trainedPerSample(b);
            perSample[i] = n;
            for (int s = 0; s < n.length; s++) {
                int task = task(b, s, tasks);
                all += n[s];
                taskTokens[task] += n[s];
                if (n[s] > 0) {
                    samples++;
                    taskSamples[task]++;
                }
            }
        }
        double presentWeight = 0;
        for (int t = 0; t < tasks; t++) {
            presentWeight += taskTokens[t] > 0 ? weights[t] : 0;
        }
        float[][] out = new float[step.size()][];
        for (int i = 0; i < step.size(); i++) {
            TokenBatch b = step.get(i);
            int[] targets = b.shiftedTargets();
            int[] owner = b.targetSamples();
            float[] w = new float[targets.length];
            for (int p = 0; p < targets.length; p++) {
                if (targets[p] == TokenBatch.IGNORE) {
                    continue;
                }
                int s = owner[p];
                int t = task(b, s, tasks);
                double n = perSample[i][s];
                w[p] = (float) switch (mode) {
                    case CASE1 -> 1.0 / all;
                    case CASE2 -> 1.0 / (samples * n);
                    case CASE3 -> presentWeight == 0 ? 0 : weights[t] / (presentWeight * taskTokens[t]);
                    case CASE4 -> presentWeight == 0 ? 0 : weights[t] / (presentWeight * taskSamples[t] * n);
                };
            }
            out[i] = w;
        }
        return out;
    }

    /** Trained targets of each sample of a batch. */
    static int[] trainedPerSample(TokenBatch b) {
        int[] n = new int[b.sampleTasks().length];
        int[] targets = b.shiftedTargets();
        int[] owner = b.targetSamples();
        for (int p = 0; p < targets.length; p++) {
            if (targets[p] != TokenBatch.IGNORE) {
                if (owner[p] < 0) {
                    throw new IllegalArgumentException("a trained label at position " + p + " belongs to no sample");
                }
                n[owner[p]]++;
            }
        }
        return n;
    }

    private static int task(TokenBatch b, int sample, int tasks) {
        int t = b.sampleTasks()[sample];
        if (t < 0 || t >= tasks) {
            throw new IllegalArgumentException("sample of task " + t + "; the weighting knows " + tasks + " task(s)");
        }
        return t;
    }

    @Override
    public String toString() {
        return mode.name().toLowerCase(Locale.ROOT) + Arrays.toString(weights);
    }
}
