package dev.mft.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.checkpoint.TrainerState;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.core.parallel.SingleDevice;
import dev.mft.core.tensor.Autograd;
import java.util.List;

/**
 * The training loop, top to bottom: for each optimizer step, forward + summed loss + backward over its micro-batches
 * (normalized by the trained tokens of the WHOLE step), clip, AdamW, log. Every array a step creates lives on that
 * step's manager, which is closed at the end of the step, so native memory stays flat.
 */
public final class Trainer {
    private final LlamaModel model;
    private final ParallelStrategy parallel;
    private final LrSchedule schedule;
    private final TrainerSettings settings;
    private final MetricsSink sink;
    private final NDManager root;
    private final Device device;

    /** One device. */
    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device) {
        this(model, new SingleDevice(optimizer), schedule, settings, sink, root, device);
    }

    /** Any parallel strategy (DDP, ZeRO): it owns the optimizer and where gradients and parameters live. */
    public Trainer(LlamaModel model, ParallelStrategy parallel, LrSchedule schedule, TrainerSettings settings,
            MetricsSink sink, NDManager root, Device device) {
        this.model = model;
        this.parallel = parallel;
        this.schedule = schedule;
        this.settings = settings;
        this.sink = sink;
        this.root = root;
        this.device = device;
    }

    /** Runs the whole schedule from the start; returns the loss of the last step. */
    public double train(TrainingData data) {
        return train(data, TrainerState.start(), StepListener.NONE).lastLoss();
    }

    /** What a run ended with. */
    public record Outcome(TrainerState state, double lastLoss, boolean stoppedEarly) {}

    /**
     * Runs from {@code from} (a fresh start or a resumed checkpoint) to the end of the schedule, or until the listener
     * says stop. The data order and the learning rate are functions of (seed, epoch) and step, so a resumed run
     * continues exactly where the uninterrupted one would be.
     */
    public Outcome train(TrainingData data, TrainerState from, StepListener listener) {
        int totalSteps = settings.totalSteps(data.batchesPerEpoch());
        int stepsPerEpoch = settings.stepsPerEpoch(data.batchesPerEpoch());
        Autograd.enableForThisThread();
        long start = System.nanoTime();
        long windowStart = start;
        long tokens = from.tokens();
        long windowTokens = 0;
        double lastLoss = Double.NaN;
        int step = from.globalStep();
        int nonFiniteInARow = 0;
        TrainerState state = from;
        for (int epoch = from.epoch(); step < totalSteps; epoch++) {
            List<TokenBatch> batches = data.epoch(epoch);
            int first = epoch == from.epoch() ? from.batchInEpoch() : 0;
            for (; first < batches.size() && step < totalSteps; first += settings.gradientAccumulation()) {
                List<TokenBatch> micro = batches.subList(first,
                        Math.min(batches.size(), first + settings.gradientAccumulation()));
                StepResult r = step(micro, schedule.lr(step));
                step++;
                tokens += r.realTokens;
                windowTokens += r.realTokens;
                lastLoss = r.loss;
                boolean endOfEpoch = first + settings.gradientAccumulation() >= batches.size();
                state = new TrainerState(step, endOfEpoch ? epoch + 1 : epoch,
                        endOfEpoch ? 0 : first + settings.gradientAccumulation(), tokens, state.bestEvalLoss(),
                        state.bestStep());
                if (step % settings.logInterval() == 0 || step == totalSteps || !r.applied) {
                    long now = System.nanoTime();
                    double window = (now - windowStart) / 1e9;
                    StepMetrics metrics = new StepMetrics(step, totalSteps, (double) step / stepsPerEpoch, r.loss, r.lr,
                            r.gradNorm, tokens, r.trainedTokens, windowTokens / Math.max(window, 1e-9),
                            (now - start) / 1e9);
                    sink.log(metrics);
                    windowStart = now;
                    windowTokens = 0;
                }
                nonFiniteInARow = r.applied ? 0 : nonFiniteInARow + 1;
                if (!r.applied && nonFiniteInARow >= settings.maxNonFiniteSteps()) {
                    throw new NonFiniteLossException("step " + step + ": loss " + r.loss + ", grad_norm "
                            + r.gradNorm + " — " + nonFiniteInARow + " non-finite steps in a row (the limit); the"
                            + " weights were not updated by any of them, and saved checkpoints are untouched. Try a"
                            + " lower learning_rate or check the data.");
                }
                StepListener.Decision d = listener.afterStep(state, endOfEpoch, step == totalSteps);
                state = d.state();
                if (d.stop()) {
                    return new Outcome(state, lastLoss, step < totalSteps);
                }
            }
        }
        return new Outcome(state, lastLoss, false);
    }

    private record StepResult(double loss, double lr, double gradNorm, long trainedTokens, long realTokens,
            boolean applied) {}

    /** One optimizer step over its micro-batches. */
    private StepResult step(List<TokenBatch> micro, double lr) {
        long stepTokens = 0;
        long realTokens = 0;
        for (TokenBatch b : micro) {
            stepTokens += b.trainedTokens();
            realTokens += b.realTokens();
        }
        long[] global = parallel.sumOverRanks(new long[] {stepTokens, realTokens}); // the global batch, all ranks
        stepTokens = global[0];
        realTokens = global[1];
        double lossSum = 0;
        try (NDManager scope = root.newSubManager(device)) {
            for (TokenBatch b : micro) {
                if (b.trainedTokens() == 0 && (stepTokens == 0 || !parallel.collectivesPerMicroBatch())) {
                    continue; // nothing to learn from (keeps a 0/0 out of the loss), unless other ranks wait on us
                }
                try (NDManager mb = scope.newSubManager(device)) {
                    NDArray logits = parallel.forward(model, BatchArrays.ids(mb, b, device),
                            BatchArrays.positions(mb, b, device), b.maxPosition()); // [B, T, V]
                    NDArray sum = CausalLmLoss.sum(logits, b); // scalar
                    NDArray normalized = sum.div(stepTokens); // the step's global token count, not per micro-batch
                    Autograd.backward(normalized);
                    parallel.afterBackward(mb);
                    lossSum += CausalLmLoss.value(sum);
                }
            }
            lossSum = parallel.sumOverRanks(lossSum); // every rank logs, and skips a non-finite step, alike
            double gradNorm = parallel.clipGradients(settings.maxGradNorm(), scope);
            // a NaN/Inf loss or gradient would poison the weights and the moments: skip the update instead
            boolean finite = Double.isFinite(gradNorm) && Double.isFinite(lossSum);
            if (finite) {
                parallel.optimizerStep(lr, scope);
            }
            parallel.zeroGrad();
            return new StepResult(stepTokens == 0 ? Double.NaN : lossSum / stepTokens, lr, gradNorm, stepTokens,
                    realTokens, finite);
        }
    }
}
