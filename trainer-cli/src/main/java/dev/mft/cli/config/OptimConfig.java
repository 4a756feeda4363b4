package dev.mft.cli.config;

/**
 * AdamW hyper-parameters and gradient clipping.
 *
 * @param learningRate peak learning rate
 * @param minLr floor of the decaying schedules
 * @param weightDecay decoupled weight decay
 * @param adamBeta1 first-moment decay
 * @param adamBeta2 second-moment decay
 * @param adamEpsilon denominator term
 * @param maxGradNorm clip the global gradient norm to this; 0 = no clipping
 * @param maxNonFiniteSteps stop after this many optimizer steps in a row with a NaN/Inf loss or gradient (each skipped)
 */
public record OptimConfig(
        double learningRate,
        double minLr,
        double weightDecay,
        double adamBeta1,
        double adamBeta2,
        double adamEpsilon,
        double maxGradNorm,
        int maxNonFiniteSteps) {

    public OptimConfig {
        Checks.positive("learning_rate", learningRate);
        Checks.nonNegative("min_lr", minLr);
        Checks.check(minLr <= learningRate, "min_lr", minLr, "<= learning_rate (" + learningRate + ")");
        Checks.nonNegative("weight_decay", weightDecay);
        Checks.unitInterval("adam_beta1", adamBeta1);
        Checks.unitInterval("adam_beta2", adamBeta2);
        Checks.positive("adam_epsilon", adamEpsilon);
        Checks.nonNegative("max_grad_norm", maxGradNorm);
        Checks.positive("max_non_finite_steps", maxNonFiniteSteps);
    }
}
