package dev.mft.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.mft.core.checkpoint.TrainerState;
import dev.mft.core.eval.Evaluator;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.loss.ChunkedLmLoss;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;
import dev.mft.core.optim.LossScaler;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.core.parallel.SingleDevice;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The training loop, top to bottom: for each optimizer step, forward + weighted loss + backward over its micro-batches
 * (each trained token weighted by the {@link MultiTask}'s weighting over the WHOLE step; case1 = sum / the step's
 * trained tokens), clip, AdamW, log; then validation where the weighting or the eval interval asks for it, and the
 * {@link StepListener} (checkpoints, early stopping, Ctrl-C). Every array a step creates lives on that step's
 * manager, which is closed at the end of the step, so native memory stays flat.
 */
public final class Trainer {
    private final LlamaModel model;
    private final ParallelStrategy parallel;
    private final LrSchedule schedule;
    private final TrainerSettings settings;
    private final MetricsSink sink;
    private final NDManager root;
    private final Device device;
    private final MultiTask tasks;
    private final LossScaler scaler; // null unless fp16
    private int validationCursor;

    /** One task, token mean per optimizer step (case1), no evaluation. */
    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device) {
        this(model, optimizer, schedule, settings, sink, root, device, MultiTask.single(), null);
    }

    /** One task, with fp16 dynamic loss scaling ({@code scaler} may be null). */
    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device, LossScaler scaler) {
        this(model, optimizer, schedule, settings, sink, root, device, MultiTask.single(), scaler);
    }

    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device, MultiTask tasks) {
        this(model, optimizer, schedule, settings, sink, root, device, tasks, null);
    }

    /**
     * @param tasks task names, weighting mode and validation data
     * @param scaler dynamic loss scaling for fp16 compute, or null
     */
    public Trainer(LlamaModel model, AdamW optimizer, LrSchedule schedule, TrainerSettings settings, MetricsSink sink,
            NDManager root, Device device, MultiTask tasks, LossScaler scaler) {
        this(model, new SingleDevice(optimizer), schedule, settings, sink, root, device, tasks, scaler);
    }

    /** Any parallel strategy (DDP, ZeRO): it owns the optimizer and where gradients and parameters live. */
    public Trainer(LlamaModel model, ParallelStrategy parallel, LrSchedule schedule, TrainerSettings settings,
            MetricsSink sink, NDManager root, Device device) {
        this(model, parallel, schedule, settings, sink, root, device, MultiTask.single(), null);
    }

    /**
     * The full constructor; {@code scaler} (fp16) needs one device: the unscaling rides on every strategy's update
     * factor, but fp16 loss scaling has only been tested on one device (several ranks train in bf16).
     */
    public Trainer(LlamaModel model, ParallelStrategy parallel, LrSchedule schedule, TrainerSettings settings,
            MetricsSink sink, NDManager root, Device device, MultiTask tasks, LossScaler scaler) {
        if (scaler != null && !(parallel instanceof SingleDevice)) {
            throw new IllegalArgumentException("fp16 loss scaling runs on one device only; use bf16 with several ranks");
        }
        this.model = model;
        this.parallel = parallel;
        if (parallel instanceof SingleDevice single && model.embeddingRows() != null) {
            single.trackTouchedRows(model.embeddingWeight(), model.embeddingRows());
        }
        this.schedule = schedule;
        this.settings = settings;
        this.sink = sink;
        this.root = root;
        this.device = device;
        this.tasks = tasks;
        this.scaler = scaler;
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
        validateIfAsked(from.globalStep());
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
            // the input arrays of the coming micro-batches are built on a background thread, two ahead
            try (BatchPrefetcher prefetch = new BatchPrefetcher(batches.subList(Math.min(first, batches.size()),
                    batches.size()), root, device, 2)) {
                for (; first < batches.size() && step < totalSteps; first += settings.gradientAccumulation()) {
                    List<TokenBatch> micro = batches.subList(first,
                            Math.min(batches.size(), first + settings.gradientAccumulation()));
                    double[] weightsUsed = tasks.weighting().taskWeights();
                    StepResult r = step(micro, schedule.lr(step), prefetch);
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
                        sink.log(new StepMetrics(step, totalSteps, (double) step / stepsPerEpoch, r.loss, r.lr,
                                r.gradNorm, tokens, r.trainedTokens, windowTokens / Math.max(window, 1e-9),
                                (now - start) / 1e9, r.taskLosses, named(weightsUsed)));
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
                    validateIfAsked(step);
                    OptionalDouble evalLoss = OptionalDouble.empty();
                    if (tasks.evalInterval() > 0 && (step % tasks.evalInterval() == 0 || step == totalSteps)) {
                        Evaluator.Result e = evaluate(tasks.validation());
                        sink.logEval(new EvalMetrics(step, e.loss(), e.tokens(), named(e.perTask())));
                        evalLoss = OptionalDouble.of(e.loss());
                    }
                    StepListener.Decision d = listener.afterStep(state, evalLoss, endOfEpoch, step == totalSteps);
                    state = d.state();
                    if (d.stop()) {
                        return new Outcome(state, lastLoss, step < totalSteps);
                    }
                }
            }
        }
        return new Outcome(state, lastLoss, false);
    }

    /**
     * @param healthy not a NaN/Inf failure (an fp16 overflow that the scaler handled is healthy, though skipped)
     */
    private record StepResult(double loss, double lr, double gradNorm, long trainedTokens, long realTokens,
            Map<String, Double> taskLosses, boolean healthy) {}

    /** One optimizer step over its micro-batches, whose input arrays {@code prefetch} has ready in order. */
    private StepResult step(List<TokenBatch> micro, double lr, BatchPrefetcher prefetch) {
        // each trained token's share of this step's loss (case1: 1 / the step's trained tokens, all micro-batches)
        float[][] weights = tasks.weighting().tokenWeights(micro);
        TaskLosses perTask = new TaskLosses(tasks.taskNames().size());
        long localTokens = 0;
        long realTokens = 0;
        for (TokenBatch b : micro) {
            localTokens += b.trainedTokens();
            realTokens += b.realTokens();
        }
        long[] global = parallel.sumOverRanks(new long[] {localTokens, realTokens}); // the global batch, all ranks
        long stepTokens = global[0];
        realTokens = global[1];
        // the weighting normalizes by this rank's tokens; rescale to the global batch (exact for case1)
        double rankShare = stepTokens == 0 ? 0 : (double) localTokens / stepTokens;
        // fp16: the loss is scaled up so small gradients survive; the norm and the update divide it out again
        double scale = scaler == null ? 1.0 : scaler.scale();
        double loss = 0;
        NDArray lossOnDevice = null; // sum of the micro-batches' losses (fp64 scalar), when not checkpointing
        // the lm_head and loss a chunk of tokens at a time (only the chunk's logits alive): one device, one task
        // (ChunkedLmLoss, with its hand-written backward); loss_chunk_tokens -1 keeps the plain autograd path
        boolean chunkable = parallel instanceof SingleDevice && tasks.taskNames().size() == 1
                && !settings.gradientCheckpointing() && settings.lossChunkTokens() != TrainerSettings.NO_CHUNKS;
        try (NDManager scope = root.newSubManager(device)) {
            for (int i = 0; i < micro.size(); i++) {
                TokenBatch b = micro.get(i);
                BatchPrefetcher.Inputs inputs = prefetch.next();
                if (inputs.batch() != b) {
                    inputs.holder().close();
                    throw new IllegalStateException("prefetched batches out of order at micro-batch " + i);
                }
                if (b.trainedTokens() == 0 && (stepTokens == 0 || !parallel.collectivesPerMicroBatch())) {
                    inputs.holder().close();
                    continue; // nothing to learn from, unless other ranks wait on this one's collectives
                }
                float[] w = b.trainedTokens() == 0 ? new float[weights[i].length] : weights[i];
                if (rankShare != 1.0 && b.trainedTokens() > 0) {
                    w = w.clone(); // the global-batch rescale folded into the weights, in double, before rounding
                    for (int k = 0; k < w.length; k++) {
                        w[k] = (float) (w[k] * rankShare);
                    }
                }
                float[] tokenWeights = w;
                try (NDManager mb = scope.newSubManager(device)) {
                    inputs.attachTo(mb);
                    NDArray ids = inputs.ids(); // [B, T]
                    NDArray positions = inputs.positions(); // [B, T]
                    NDArray samples = inputs.sampleIds(); // [B, T] or null
                    NDArray[] tokenLosses = new NDArray[1]; // [B, T], 0 where untrained
                    java.util.function.Function<NDArray, NDArray> weightedLoss = logits -> {
                        tokenLosses[0] = CausalLmLoss.tokenLosses(logits, b);
                        NDArray weighted = CausalLmLoss.weightedSum(tokenLosses[0], tokenWeights); // scalar
                        return scale == 1.0 ? weighted : Ops.scale(weighted, scale);
                    };
                    NDArray value64 = null; // this micro-batch's (scaled) loss, fp64, still on the device
                    if (chunkable) { // one chunk of all tokens where their logits fit the budget
                        int chunk = settings.headChunkTokens(b.rows() * b.cols(), model.config().vocabSize(),
                                device.isGpu());
                        value64 = ChunkedLmLoss.forwardBackward(model, ids, positions, samples, b, tokenWeights,
                                scale, chunk, mb);
                    } else if (settings.gradientCheckpointing() && parallel instanceof SingleDevice) {
                        loss += model.forwardBackwardCheckpointed(ids, positions, b.maxPosition(), samples,
                                weightedLoss) / scale;
                    } else {
                        NDArray value = weightedLoss.apply(
                                parallel.forward(model, ids, positions, b.maxPosition(), samples));
                        Autograd.backward(value);
                        parallel.afterBackward(mb);
                        value64 = value.toType(DataType.FLOAT64, false);
                    }
                    if (value64 != null) { // summed on the device, read once after the last micro-batch
                        value64.attach(scope);
                        lossOnDevice = lossOnDevice == null ? value64 : lossOnDevice.add(value64);
                    }
                    if (tasks.taskNames().size() > 1) {
                        perTask.add(b, tokenLosses[0].toFloatArray());
                    }
                }
            }
            if (lossOnDevice != null) {
                loss += lossOnDevice.getDouble() / scale; // the step's one read of the loss
            }
            loss = parallel.sumOverRanks(loss); // every rank logs, and skips a non-finite step, alike
            // fp16: the gradients are still the scaled loss's; dividing the norm by the scale unscales it, and the
            // update multiplies them by the clip factor over the scale (no pass of its own to unscale them)
            double gradNorm = parallel.gradientNorm(scope) / scale;
            // a NaN/Inf loss or gradient would poison the weights and the moments: skip the update instead
            boolean finite = Double.isFinite(gradNorm) && Double.isFinite(loss);
            boolean apply = scaler == null ? finite : scaler.update(finite);
            if (apply) {
                parallel.optimizerStep(lr, GradientClipper.scale(gradNorm, settings.maxGradNorm()) / scale, scope);
            }
            parallel.zeroGrad();
            // an fp16 overflow with a finite loss is the scaler's business (it backs off), not a failing run
            boolean failed = !finite && (scaler == null || !Double.isFinite(loss));
            return new StepResult(stepTokens == 0 ? Double.NaN : loss, lr, gradNorm, stepTokens, realTokens,
                    perTask.byName(tasks.taskNames()), !failed);
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
        Evaluator.Result r = evaluate(sample);
        tasks.weighting().observeValidation(completedSteps, r.perTask());
    }

    /** Validation loss on whole weights (every rank computes the same numbers on the same batches). */
    private Evaluator.Result evaluate(List<TokenBatch> batches) {
        parallel.beforeEvaluation();
        try {
            return Evaluator.evaluate(model, batches, tasks.taskNames().size(), root, device);
        } finally {
            parallel.afterEvaluation();
        }
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
