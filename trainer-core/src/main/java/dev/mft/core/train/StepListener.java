package dev.mft.core.train;

import dev.mft.core.checkpoint.TrainerState;

/**
 * Called after every optimizer step with where the run stands: the recipe evaluates, checkpoints and decides to stop
 * here (early stopping, Ctrl-C), so the loop itself stays a loop.
 */
@FunctionalInterface
public interface StepListener {
    /** Nothing to do after steps. */
    StepListener NONE = (state, evalLoss, endOfEpoch, last) -> Decision.go(state);

    /**
     * @param state the run after this step (the data position points at the next micro-batch)
     * @param evalLoss the validation loss measured after this step, when the eval interval asked for one
     * @param endOfEpoch whether this step finished an epoch
     * @param last whether this was the last step of the schedule
     * @return the (possibly updated, e.g. best eval loss) state and whether to stop
     */
    Decision afterStep(TrainerState state, java.util.OptionalDouble evalLoss, boolean endOfEpoch, boolean last);

    /** The listener's answer. */
    record Decision(TrainerState state, boolean stop) {
        public static Decision go(TrainerState state) {
            return new Decision(state, false);
        }

        public static Decision stop(TrainerState state) {
            return new Decision(state, true);
        }
    }
}
