package dev.mft.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.eval.Evaluator;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.tensor.Autograd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop, top to bottom: for each optimizer step, forward + weighted loss + backward over its micro-batches
 * (each trained token weighted by the {@link MultiTask}'s weighting over the WHOLE step; case1 = sum / the step's
 * trained tokens), clip, AdamW, log; then validation where the weighting or the eval interval asks for it. Every
 * array a step creates lives on that step's manager, which is closed at the end of the step, so native memory stays
 * flat.
 */
public final class Trainer {
    private final LlamaModel model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final TrainerSettings settings;
    private final MetricsSink sink;
    private final NDManager root;
    private final Device device;
    private final MultiTask tasks;
    private int validationCursor;

    /** One task, token mean per optimizer step (case1), no evaluation. */
    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device) {
        this(model, optimizer, schedule, settings, sink, root, device, MultiTask.single());
    }

    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device, MultiTask tasks) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.settings = settings;
        this.sink = sink;
        this.root = root;
        this.device = device;
        this.tasks = tasks;
    }

    /** Runs the whole schedule; returns the loss of the last step. */
    public double train(TrainingData data) {
        int totalSteps = settings.totalSteps(data.batchesPerEpoch());
        int stepsPerEpoch = settings.stepsPerEpoch(data.batchesPerEpoch());
        Autograd.enableForThisThread();
        validateIfAsked(0);
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
                double[] weightsUsed = tasks.weighting().taskWeights();
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
                            (now - start) / 1e9, r.taskLosses, named(weightsUsed)));
                    windowStart = now;
                    windowTokens = 0;
                }
                validateIfAsked(step);
                if (tasks.evalInterval() > 0 && (step % tasks.evalInterval() == 0 || step == totalSteps)) {
                    Evaluator.Result e = Evaluator.evaluate(model, tasks.validation(), tasks.taskNames().size(), root,
                            device);
                    sink.logEval(new EvalMetrics(step, e.loss(), e.tokens(), named(e.perTask())));
                }
            }
        }
        return lastLoss;
    }

    private record StepResult(double loss, double lr, double gradNorm, long trainedTokens, long realTokens,
            Map<String, Double> taskLosses) {}

    /** One optimizer step over its micro-batches. */
    private StepResult step(List<TokenBatch> micro, double lr) {
        // each trained token's share of this step's loss (case1: 1 / the step's trained tokens, all micro-batches)
        float[][] weights = tasks.weighting().tokenWeights(micro);
        TaskLosses perTask = new TaskLosses(tasks.taskNames().size());
        long stepTokens = 0;
        long realTokens = 0;
        for (TokenBatch b : micro) {
            stepTokens += b.trainedTokens();
            realTokens += b.realTokens();
        }
        double loss = 0;
        try (NDManager scope = root.newSubManager(device)) {
            for (int i = 0; i < micro.size(); i++) {
                TokenBatch b = micro.get(i);
                if (b.trainedTokens() == 0) {
                    continue; // nothing to learn from
                }
                try (NDManager mb = scope.newSubManager(device)) {
                    NDArray logits = model.forward(BatchArrays.ids(mb, b, device), BatchArrays.positions(mb, b, device),
                            b.maxPosition(), BatchArrays.sampleIdsIfPacked(mb, b, device)); // [B, T, V]
                    NDArray tokenLosses = CausalLmLoss.tokenLosses(logits, b); // [B, T], 0 where untrained
                    NDArray weighted = CausalLmLoss.weightedSum(tokenLosses, weights[i]); // scalar
                    Autograd.backward(weighted);
                    loss += CausalLmLoss.value(weighted);
                    if (tasks.taskNames().size() > 1) {
                        perTask.add(b, tokenLosses.toFloatArray());
                    }
                }
            }
            double gradNorm = GradientClipper.clip(optimizer.parameters(), settings.maxGradNorm(), scope);
            optimizer.step(lr, scope);
            optimizer.zeroGrad();
            return new StepResult(stepTokens == 0 ? Double.NaN : loss, lr, gradNorm, stepTokens, realTokens,
                    perTask.byName(tasks.taskNames()));
        }
    }

    /** Feeds the adaptive weightings (selfpaced, coba) their sample of validation losses when they want one. */
    private void validateIfAsked(int completedSteps) {
        if (!tasks.weighting().wantsValidation(completedSteps)) {
            return;
        }
        List<TokenBatch> sample = new ArrayList<>();
        for (int i = 0; i < tasks.weighting().validationBatches(); i++) {
            sample.add(tasks.validation().get(validationCursor++ % tasks.validation().size()));
        }
        Evaluator.Result r = Evaluator.evaluate(model, sample, tasks.taskNames().size(), root, device);
        tasks.weighting().observeValidation(completedSteps, r.perTask());
    }

    private Map<String, Double> named(double[] perTask) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int t = 0; perTask != null && t < perTask.length; t++) {
            if (!Double.isNaN(perTask[t])) {
                out.put(tasks.taskNames().get(t), perTask[t]);
            }
        }
        return out;
    }
}
