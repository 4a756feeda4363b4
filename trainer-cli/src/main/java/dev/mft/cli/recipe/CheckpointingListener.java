package dev.mft.cli.recipe;

import dev.mft.cli.config.CheckpointConfig;
import dev.mft.cli.config.EvalConfig;
import dev.mft.core.checkpoint.CheckpointStore;
import dev.mft.core.checkpoint.TrainerState;
import dev.mft.core.io.IOExceptionConsumer;
import dev.mft.core.train.StepListener;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * What happens between optimizer steps: the evaluation the loop made every {@code evaluation_steps} (and at the
 * end) picks the best checkpoint and drives early stopping after {@code early_stopping_stall_num} evaluations without a new best, checkpoints every {@code checkpointing_steps},
 * at epoch ends with {@code epoch_checkpointing}, at the end and on Ctrl-C, pruned to {@code saving_limit} (the best
 * one kept too).
 */
final class CheckpointingListener implements StepListener {
    private final CheckpointStore store;
    private final CheckpointConfig checkpoints;
    private final EvalConfig eval;
    private final IOExceptionConsumer<Path> writeCheckpoint;
    private final GracefulStop stop;
    private final PrintStream out;
    private int evalsWithoutImprovement;
    private boolean stoppedBySignal;

    /**
     * @param writeCheckpoint fills a checkpoint folder with everything but trainer_state.json and the manifest
     */
    CheckpointingListener(CheckpointStore store, CheckpointConfig checkpoints, EvalConfig eval,
            IOExceptionConsumer<Path> writeCheckpoint, GracefulStop stop, PrintStream out) {
        this.store = store;
        this.checkpoints = checkpoints;
        this.eval = eval;
        this.writeCheckpoint = writeCheckpoint;
        this.stop = stop;
        this.out = out;
    }

    @Override
    public Decision afterStep(TrainerState state, OptionalDouble evalLoss, boolean endOfEpoch, boolean last) {
        int step = state.globalStep();
        boolean earlyStop = false;
        if (evalLoss.isPresent()) {
            double loss = evalLoss.getAsDouble();
            boolean best = state.bestEvalLoss().isEmpty() || loss < state.bestEvalLoss().getAsDouble();
            if (best) {
                state = new TrainerState(step, state.epoch(), state.batchInEpoch(), state.tokens(),
                        OptionalDouble.of(loss), OptionalInt.of(step));
                evalsWithoutImprovement = 0;
            } else {
                evalsWithoutImprovement++;
            }
            earlyStop = eval.earlyStopping() && evalsWithoutImprovement >= eval.earlyStoppingStallNum();
            if (earlyStop) {
                out.printf("early stopping: %d evaluations without a better loss (best %.4f at step %d)%n",
                        evalsWithoutImprovement, state.bestEvalLoss().getAsDouble(), state.bestStep().getAsInt());
            }
        }
        stoppedBySignal = stop.requested();
        boolean stopNow = earlyStop || stoppedBySignal;
        boolean due = step % checkpoints.checkpointingSteps() == 0
                || (checkpoints.epochCheckpointing() && endOfEpoch) || last || stopNow;
        if (due) {
            save(state);
        }
        return stopNow ? Decision.stop(state) : Decision.go(state);
    }

    /** Whether the run stopped because of Ctrl-C / SIGTERM (then no final model is written). */
    boolean stoppedBySignal() {
        return stoppedBySignal;
    }

    private void save(TrainerState state) {
        try {
            TrainerState s = state;
            Path folder = store.save(state.globalStep(), dir -> {
                writeCheckpoint.accept(dir);
                s.write(dir);
            });
            Optional<Path> best = state.bestStep().isPresent()
                    ? Optional.of(store.folder(state.bestStep().getAsInt())) : Optional.empty();
            if (checkpoints.savingLimit().isPresent()) {
                store.prune(checkpoints.savingLimit().getAsInt(), best);
            }
            out.println("checkpoint: " + folder);
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint of step " + state.globalStep(), e);
        }
    }
}
