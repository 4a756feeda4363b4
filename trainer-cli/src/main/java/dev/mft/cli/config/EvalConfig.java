package dev.mft.cli.config;

/**
 * Periodic evaluation on the validation data, and stopping when it stops improving.
 *
 * @param evaluationSteps optimizer steps between evaluations
 * @param earlyStopping stop when the validation loss has not improved for {@code earlyStoppingStallNum} evaluations
 * @param earlyStoppingStallNum evaluations without improvement that end the run
 */
public record EvalConfig(int evaluationSteps, boolean earlyStopping, int earlyStoppingStallNum) {

    public EvalConfig {
        Checks.positive("evaluation_steps", evaluationSteps);
        Checks.positive("early_stopping_stall_num", earlyStoppingStallNum);
    }
}
