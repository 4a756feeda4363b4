package dev.mft.cli.recipe;

import dev.mft.cli.config.CheckpointConfig;
import dev.mft.core.checkpoint.CheckpointStore;
import dev.mft.core.checkpoint.TrainerState;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.core.train.StepListener;
import dev.mft.distributed.strategy.Ddp;
import dev.mft.distributed.strategy.ZeroCheckpoint;
import dev.mft.distributed.strategy.ZeroStrategy;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Checkpoints of a multi-process run, written by all ranks into ONE folder (the output folder must be shared by every
 * node): rank 0 opens {@code checkpoint-<step>.tmp-ranks}; under ZeRO every rank writes its slices of the weights and
 * AdamW moments ({@link ZeroCheckpoint}), under DDP rank 0 writes the whole model/adapter and optimizer; after a
 * barrier rank 0 adds trainer_state.json, seals it with the manifest and renames it, so a crash of any rank never
 * leaves a half checkpoint under a real name. Resume reads the same folders ({@link #restore}).
 */
final class RankCheckpointing implements StepListener {
    private final CheckpointStore store;
    private final CheckpointConfig config;
    private final Parallelism par;
    private final ParallelStrategy strategy;
    private final Tuning tuning;
    private final ModelWeights weights;
    private final PrintStream out;

    RankCheckpointing(CheckpointStore store, CheckpointConfig config, Parallelism par, ParallelStrategy strategy,
            Tuning tuning, ModelWeights weights, PrintStream out) {
        this.store = store;
        this.config = config;
        this.par = par;
        this.strategy = strategy;
        this.tuning = tuning;
        this.weights = weights;
        this.out = out;
    }

    /** Whether a checkpoint folder was written by ZeRO ranks (then the weights come from it, not from model/). */
    static boolean isZero(Path checkpoint) {
        return checkpoint.resolve(ZeroCheckpoint.FOLDER).toFile().isDirectory();
    }

    /** Loads what the strategy keeps from a checkpoint (ZeRO: slices and moments; DDP: the optimizer). */
    static TrainerState restore(Path checkpoint, ParallelStrategy strategy) throws IOException {
        if (strategy instanceof ZeroStrategy z) {
            if (!isZero(checkpoint)) {
                throw new IllegalArgumentException(checkpoint + " was not written by a ZeRO run (no zero/ folder);"
                        + " resume it with zero_stage 0 or in one process");
            }
            ZeroCheckpoint.load(checkpoint, z);
        } else if (strategy instanceof Ddp d) {
            if (isZero(checkpoint)) {
                throw new IllegalArgumentException(checkpoint + " holds ZeRO slices; resume it with zero_stage 1-3");
            }
            d.optimizer().load(checkpoint.resolve(ResumePoint.OPTIMIZER));
        }
        return TrainerState.read(checkpoint);
    }

    @Override
    public Decision afterStep(TrainerState state, OptionalDouble evalLoss, boolean endOfEpoch, boolean last) {
        int step = state.globalStep();
        boolean due = step % config.checkpointingSteps() == 0 || (config.epochCheckpointing() && endOfEpoch) || last;
        if (due) {
            try {
                save(state);
            } catch (IOException e) {
                throw new UncheckedIOException("writing checkpoint of step " + step, e);
            }
        }
        return Decision.go(state);
    }

    private void save(TrainerState state) throws IOException {
        int step = state.globalStep();
        Path tmp = store.folder(step).resolveSibling("checkpoint-" + step + ".tmp-ranks");
        if (par.main()) {
            store.sharedTemp(step);
        }
        par.barrier("checkpoint-" + step + "-open");
        if (strategy instanceof ZeroStrategy z) {
            ZeroCheckpoint.save(tmp, z, par.rank(), par.worldSize());
        } else if (par.main() && strategy instanceof Ddp d) {
            tuning.saveCheckpoint(weights, tmp);
            d.optimizer().save(tmp.resolve(ResumePoint.OPTIMIZER));
        }
        par.barrier("checkpoint-" + step + "-written");
        if (par.main()) {
            state.write(tmp);
            Path folder = store.seal(step, tmp);
            if (config.savingLimit().isPresent()) {
                store.prune(config.savingLimit().getAsInt(), Optional.empty());
            }
            out.println("checkpoint: " + folder);
        }
        par.barrier("checkpoint-" + step + "-sealed");
    }
}
