package dev.mft.cli.config;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * MFT multi-task loss weighting ({@code weighted_loss_mode}) and the settings of its adaptive modes.
 *
 * @param weightedLossMode how per-token losses of a batch combine into one loss
 * @param taskWeights one weight per task of {@code data_paths} (case3 / case4 only); empty = all 1
 * @param selfPaced settings of {@code selfpaced}
 * @param coba settings of {@code coba}
 */
public record LossConfig(WeightedLossMode weightedLossMode, List<Double> taskWeights, SelfPaced selfPaced, Coba coba) {

    /** The loss modes of REFERENCES.md "MFT multi-task loss weighting". */
    public enum WeightedLossMode implements ConfigChoice {
        CASE1, CASE2, CASE3, CASE4, SELFPACED, COBA;

        /** Whether the weights come from validation losses during training, rather than from the config. */
        public boolean adaptive() {
            return this == SELFPACED || this == COBA;
        }
    }

    public LossConfig {
        Objects.requireNonNull(weightedLossMode, "weighted_loss_mode");
        taskWeights = List.copyOf(taskWeights);
        Objects.requireNonNull(selfPaced, "selfpaced");
        Objects.requireNonNull(coba, "coba");
        boolean weighted = weightedLossMode == WeightedLossMode.CASE3 || weightedLossMode == WeightedLossMode.CASE4;
        // A weight the mode never reads would be silently ignored: refuse it instead.
        Checks.check(taskWeights.isEmpty() || weighted, "task_weights", taskWeights,
                "unset when weighted_loss_mode is \"" + weightedLossMode.configName()
                        + "\" (only case3 and case4 use task weights)");
        Checks.check(taskWeights.stream().allMatch(w -> w >= 0 && Double.isFinite(w)), "task_weights", taskWeights,
                "weights >= 0");
        Checks.check(taskWeights.isEmpty() || taskWeights.stream().anyMatch(w -> w > 0), "task_weights",
                taskWeights, "weights with at least one > 0");
    }

    /** The weight of each of {@code tasks} tasks (1 each where none were given). */
    public List<Double> weightsFor(int tasks) {
        return taskWeights.isEmpty() ? Collections.nCopies(tasks, 1.0) : taskWeights;
    }

    /**
     * MFTCoder v0.4 self-paced weighting.
     *
     * @param interval optimizer steps between weight updates
     * @param historyLength validation-loss points the slope is fitted over
     * @param sampleValidNum validation batches sampled per update
     * @param scaleFactor softmax sharpness of the final weights
     */
    public record SelfPaced(int interval, int historyLength, int sampleValidNum, double scaleFactor) {
        public SelfPaced {
            Checks.positive("selfpaced_interval", interval);
            Checks.positive("selfpaced_history_length", historyLength);
            Checks.positive("selfpaced_sample_valid_num", sampleValidNum);
            Checks.positive("selfpaced_scale_factor", scaleFactor);
        }
    }

    /**
     * MFTCoder v0.5 CoBa (convergence-balanced) weighting.
     *
     * @param warmupSteps steps before weights start to adapt
     * @param historyLength validation-loss points the slopes are fitted over
     * @param tau temperature of the divergence factor
     * @param updateInterval optimizer steps between weight updates
     * @param sampleValidNum validation batches sampled per update
     */
    public record Coba(int warmupSteps, int historyLength, double tau, int updateInterval, int sampleValidNum) {
        public Coba {
            Checks.nonNegative("coba_warmup_steps", warmupSteps);
            Checks.positive("coba_history_length", historyLength);
            Checks.positive("coba_tau", tau);
            Checks.positive("coba_update_interval", updateInterval);
            Checks.positive("coba_sample_valid_num", sampleValidNum);
        }
    }
}
