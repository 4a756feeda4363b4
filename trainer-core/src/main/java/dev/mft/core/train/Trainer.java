package dev.mft.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;
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

    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.settings = settings;
        this.sink = sink;
        this.root = root;
        this.device = device;
    }

    /** Runs the whole schedule; returns the loss of the last step. */
    public double train(TrainingData data) {
        int totalSteps = settings.totalSteps(data.batchesPerEpoch());
        int stepsPerEpoch = settings.stepsPerEpoch(data.batchesPerEpoch());
        Autograd.enableForThisThread();
        long start = System.nanoTime();
        long windowStart = start;
        long tokens = 0;
        long windowTokens = 0;
        double lastLoss = Double.NaN;
        int step = 0;
        for (int epoch = 0; step < totalSteps; epoch++) {
            List<TokenBatch> batches = data.epoch(epoch);
            for (int first = 0; first < batches.size() && step < totalSteps; first += settings.gradientAccumulation()) {
                List<TokenBatch> micro = batches.subList(first,
                        Math.min(batches.size(), first + settings.gradientAccumulation()));
                StepResult r = step(micro, schedule.lr(step));
                step++;
                tokens += r.realTokens;
                windowTokens += r.realTokens;
                lastLoss = r.loss;
                if (step % settings.logInterval() == 0 || step == totalSteps) {
                    long now = System.nanoTime();
                    double window = (now - windowStart) / 1e9;
                    sink.log(new StepMetrics(step, totalSteps, (double) step / stepsPerEpoch, r.loss, r.lr,
                            r.gradNorm, tokens, r.trainedTokens, windowTokens / Math.max(window, 1e-9),
                            (now - start) / 1e9));
                    windowStart = now;
                    windowTokens = 0;
                }
            }
        }
        return lastLoss;
    }

    private record StepResult(double loss, double lr, double gradNorm, long trainedTokens, long realTokens) {}

    /** One optimizer step over its micro-batches. */
    private StepResult step(List<TokenBatch> micro, double lr) {
        long stepTokens = 0;
        long realTokens = 0;
        for (TokenBatch b : micro) {
            stepTokens += b.trainedTokens();
            realTokens += b.realTokens();
        }
        double lossSum = 0;
        try (NDManager scope = root.newSubManager(device)) {
            for (TokenBatch b : micro) {
                if (b.trainedTokens() == 0) {
                    continue; // nothing to learn from; keeps a 0/0 out of the loss
                }
                try (NDManager mb = scope.newSubManager(device)) {
                    NDArray logits = model.forward(BatchArrays.ids(mb, b, device),
                            BatchArrays.positions(mb, b, device), b.maxPosition()); // [B, T, V]
                    NDArray sum = CausalLmLoss.sum(logits, b); // scalar
                    NDArray normalized = sum.div(stepTokens); // the step's global token count, not per micro-batch
                    Autograd.backward(normalized);
                    lossSum += CausalLmLoss.value(sum);
                }
            }
            double gradNorm = GradientClipper.clip(optimizer.parameters(), settings.maxGradNorm(), scope);
            optimizer.step(lr, scope);
            optimizer.zeroGrad();
            return new StepResult(stepTokens == 0 ? Double.NaN : lossSum / stepTokens, lr, gradNorm, stepTokens,
                    realTokens);
        }
    }
}
