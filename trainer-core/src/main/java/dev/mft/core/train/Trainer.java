package dev.mft.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.checkpoint.TrainerState;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;
import dev.mft.core.optim.LossScaler;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.tensor.Autograd;
import java.util.List;

/**
 * The training loop, top to bottom: for each optimizer step, forward + summed loss + backward over its micro-batches
 * (normalized by the trained tokens of the WHOLE step), clip, AdamW, log. Every array a step creates lives on that
 * step's manager, which is closed at the end of the step, so native memory stays flat.
 */
public final class Trainer {
    private final LlamaModel model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final TrainerSettings settings;
    private final MetricsSink sink;
    private final NDManager root;
    private final Device device;
    private final LossScaler scaler; // null unless fp16

    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device) {
        this(model, optimizer, schedule, settings, sink, root, device, null);
    }

    /** @param scaler dynamic loss scaling for fp16 compute, or null */
    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device, LossScaler scaler) {
        this.scaler = scaler;
        this.model = model;
        this.optimizer = optimizer;
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
                if (step % settings.logInterval() == 0 || step == totalSteps || !r.healthy) {
                    long now = System.nanoTime();
                    double window = (now - windowStart) / 1e9;
                    StepMetrics metrics = new StepMetrics(step, totalSteps, (double) step / stepsPerEpoch, r.loss, r.lr,
                            r.gradNorm, tokens, r.trainedTokens, windowTokens / Math.max(window, 1e-9),
                            (now - start) / 1e9);
                    sink.log(metrics);
                    windowStart = now;
                    windowTokens = 0;
                }
                nonFiniteInARow = r.healthy ? 0 : nonFiniteInARow + 1;
                if (!r.healthy && nonFiniteInARow >= settings.maxNonFiniteSteps()) {
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
            boolean healthy) {} // healthy: not a NaN/Inf failure (an fp16 overflow the scaler handled is healthy)

    /** One optimizer step over its micro-batches. */
    private StepResult step(List<TokenBatch> micro, double lr) {
        long stepTokens = 0;
        long realTokens = 0;
        for (TokenBatch b : micro) {
            stepTokens += b.trainedTokens();
            realTokens += b.realTokens();
        }
        double lossSum = 0;
        final double scale = scaler == null ? 1.0 : scaler.scale();
        final double normalizer = stepTokens / scale; // fp16: the loss is scaled up so small gradients survive
        try (NDManager scope = root.newSubManager(device)) {
            for (TokenBatch b : micro) {
                if (b.trainedTokens() == 0) {
                    continue; // nothing to learn from; keeps a 0/0 out of the loss
                }
                try (NDManager mb = scope.newSubManager(device)) {
                    NDArray ids = BatchArrays.ids(mb, b, device); // [B, T]
                    NDArray positions = BatchArrays.positions(mb, b, device); // [B, T]
                    // normalized by the step's global token count, not per micro-batch
                    java.util.function.Function<NDArray, NDArray> loss =
                            logits -> CausalLmLoss.sum(logits, b).div(normalizer);
                    if (settings.gradientCheckpointing()) {
                        lossSum += normalizer * model.forwardBackwardCheckpointed(ids, positions, b.maxPosition(),
                                loss);
                    } else {
                        NDArray normalized = loss.apply(model.forward(ids, positions, b.maxPosition()));
                        Autograd.backward(normalized);
                        lossSum += normalizer * CausalLmLoss.value(normalized);
                    }
                }
            }
            if (scaler != null) {
                GradientClipper.scale(optimizer.parameters(), 1.0 / scale, scope); // true gradients before clipping
            }
            double gradNorm = GradientClipper.clip(optimizer.parameters(), settings.maxGradNorm(), scope);
            // a NaN/Inf loss or gradient would poison the weights and the moments: skip the update instead
            boolean finite = Double.isFinite(gradNorm) && Double.isFinite(lossSum);
            boolean apply = scaler == null ? finite : scaler.update(finite);
            if (apply) {
                optimizer.step(lr, scope);
            }
            optimizer.zeroGrad();
            // an fp16 overflow with a finite loss is the scaler's business (it backs off), not a failing run
            boolean failed = !finite && (scaler == null || !Double.isFinite(lossSum));
            return new StepResult(stepTokens == 0 ? Double.NaN : lossSum / stepTokens, lr, gradNorm, stepTokens,
                    realTokens, !failed);
        }
    }
}
