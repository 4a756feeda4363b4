package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.DataConfig;
import dev.mft.cli.config.ScheduleConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.cli.report.LossCurvePlot;
import dev.mft.core.checkpoint.CheckpointStore;
import dev.mft.core.checkpoint.TrainerState;
import dev.mft.core.eval.Evaluator;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LossScaler;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.train.MetricsJsonl;
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.core.train.MetricsSink;
import dev.mft.core.train.Trainer;
import dev.mft.core.train.TrainerSettings;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.distributed.launch.WorkerEnv;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Fine-tuning on one device (full parameters, LoRA or QLoRA: the {@link Tuning} says which); the whole recipe reads
 * top to bottom. Setup builds, in dependency order, the runtime (device, threads, seed), the tokenizer, the data (it
 * needs the tokenizer), the model (its vocab must cover the tokenizer; from the resume checkpoint when there is one;
 * QLoRA quantizes the base while it loads), the trainable parameters (adapters exist once the model is built), the
 * optimizer and schedule (the schedule needs the step count, which needs the data); then the loop runs, with
 * evaluation and checkpoints between steps, and the result is saved at {@code output_dir/final}: a HF model folder,
 * or a PEFT adapter folder.
 */
public final class FineTune {
    private FineTune() {}

    /** Runs the recipe; returns the loss of the last step. */
    public static double run(TrainConfig c, PrintStream out) throws IOException {
        Unsupported.check(c);
        Path modelDir = c.model().pretrainedModelPath();
        ModelSetup.requireModelFolder(modelDir);
        WorkerEnv env = WorkerEnv.fromEnvironment(); // rank and world under `mft launch` (or torchrun's variables)
        Device device = RuntimeSetup.start(c.runtime(), env);
        Path outputDir = c.checkpoint().outputDir();
        Files.createDirectories(outputDir);
        CheckpointStore store = new CheckpointStore(outputDir);
        PrintStream rankLog = env.rank() == 0 ? out : new PrintStream(OutputStream.nullOutputStream());
        Optional<Path> resume = ResumePoint.find(c.checkpoint(), store, rankLog);
        // a ZeRO checkpoint holds weight slices, not a model folder: the model starts from the base, the slices follow
        Optional<Path> weightsFrom = resume.filter(r -> !RankCheckpointing.isZero(r));

        try (Parallelism par = Parallelism.start(c, env, device, out);
                HfTokenizer tokenizer = PreparedData.tokenizer(c.data(), modelDir);
                NDManager root = NDManager.newBaseManager(device);
                Tuning tuning = Tuning.forTraining(c, weightsFrom, root, device)) {
            out = par.main() ? out : new PrintStream(OutputStream.nullOutputStream()); // one rank reports
            PreparedData data = PreparedData.prepare(c.data(), tokenizer, c.runtime().seed(), true, out);
            ScheduleConfig s = c.schedule();
            int padId = tokenizer.specialTokens().pad().id();
            BatchedData train = new BatchedData(data.train(), padId, c.data().seqLength(),
                    c.data().useDynamicPadding(), c.data().paddingMode() == DataConfig.PaddingMode.PACK,
                    s.perDeviceTrainBatchSize(), c.runtime().seed(), c.data().useRandomSampler(), par.rank(),
                    par.worldSize());

            ModelWeights weights = tuning.load(c, tokenizer, root, device, out);
            TorchDType compute = ModelSetup.computeDType(c);
            LlamaModel model = new LlamaModel(weights.config(), weights.tensors(),
                    new RotaryEmbedding(root, weights.config()), tuning.linears(compute), ModelSetup.attention(c),
                    compute);
            List<Parameter> params = tuning.trainable(weights);
            out.println(tuning.describe(weights));

            TrainerSettings settings = new TrainerSettings(s.numTrainEpochs(), s.maxTrainSteps().orElse(0),
                    s.gradientAccumulationSteps(), c.optim().maxGradNorm(), c.logging().logInterval(),
                    c.optim().maxNonFiniteSteps(), c.model().gradientCheckpointing(), c.model().lossChunkTokens());
            int totalSteps = settings.totalSteps(train.batchesPerEpoch());
            LrSchedule schedule = new LrSchedule(LrSchedule.Type.valueOf(s.lrSchedulerType().name()),
                    c.optim().learningRate(), c.optim().minLr(), s.warmup().steps(totalSteps), totalSteps);
            AdamW.Settings adam = new AdamW.Settings(c.optim().adamBeta1(), c.optim().adamBeta2(),
                    c.optim().adamEpsilon(), c.optim().weightDecay());
            if (par.worldSize() > 1) {
                return distributed(c, par, weights, model, params, adam, train, data, padId, schedule, settings,
                        root, device, tuning, modelDir, outputDir, store, resume, out);
            }
            AdamW optimizer = new AdamW(params, adam, root);
            TrainerState start = TrainerState.start();
            if (resume.isPresent()) {
                optimizer.load(resume.get().resolve(ResumePoint.OPTIMIZER));
                start = TrainerState.read(resume.get());
                out.printf("resume: %s (step %d of %d)%n", resume.get(), start.globalStep(), totalSteps);
            }

            out.printf("train: %,d examples (%,d validation), %d micro-batches/epoch, %d optimizer steps, warmup %d,"
                    + " %s on %s, compute %s%s%n", data.train().size(), data.valid().size(), train.batchesPerEpoch(),
                    totalSteps, schedule.warmupSteps(), weights.config().modelType(), device, compute,
                    settings.gradientCheckpointing() ? ", activation checkpointing" : "");

            Path metricsFile = outputDir.resolve("metrics.jsonl");
            PrintStream report = out; // the lambda below needs an effectively final stream
            Trainer.Outcome outcome;
            CheckpointingListener listener;
            try (MetricsJsonl metrics = resume.isPresent() ? MetricsJsonl.resume(metricsFile, start.globalStep())
                    : new MetricsJsonl(metricsFile);
                    MetricsFanOut sinks = MetricsFanOut.of(metrics, new ConsoleProgress(out), c.logging().tbDir())) {
                // evaluation every evaluation_steps happens in the loop (the adaptive weightings need it too); the
                // listener turns its result into the best checkpoint and early stopping
                Trainer trainer = new Trainer(model, optimizer, schedule, settings, sinks, root, device,
                        MultiTaskSetup.of(c, data, padId),
                        compute == TorchDType.FLOAT16 ? LossScaler.torchDefaults() : null);
                listener = new CheckpointingListener(store, c.checkpoint(), c.eval(),
                        dir -> {
                            tuning.saveCheckpoint(weights, dir);
                            optimizer.save(dir.resolve(ResumePoint.OPTIMIZER));
                            plot(metricsFile, outputDir, report);
                        }, GracefulStop.install(out), out);
                outcome = trainer.train(train, start, listener);
            }
            if (listener.stoppedBySignal()) {
                out.println("stopped at step " + outcome.state().globalStep() + "; resume with the same command"
                        + " (auto_resume) or resume_from_checkpoint");
            } else {
                Path finalDir = outputDir.resolve("final");
                tuning.saveFinal(weights, finalDir, TokenizerFilesOf.model(modelDir));
                out.println("saved " + finalDir);
            }
            plot(metricsFile, outputDir, out);
            optimizer.close();
            weights.close();
            return outcome.lastLoss();
        }
    }

    /**
     * The same loop over several ranks (DDP or ZeRO-1/2/3 from zero_stage / deepspeed): each rank trains its slice of
     * every global batch through the strategy, rank 0 logs and saves the result; all ranks write checkpoints together
     * ({@link RankCheckpointing}) and resume from them, and each evaluates the validation split. Not yet here: the
     * adaptive task weightings, and early stopping / best-checkpoint bookkeeping.
     */
    private static double distributed(TrainConfig c, Parallelism par, ModelWeights weights, LlamaModel model,
            List<Parameter> params, AdamW.Settings adam, BatchedData train, PreparedData data, int padId,
            LrSchedule schedule,
            TrainerSettings settings, NDManager root, Device device, Tuning tuning, Path modelDir, Path outputDir,
            CheckpointStore store, Optional<Path> resume, PrintStream out) throws IOException {
        if (c.loss().weightedLossMode().adaptive()) {
            throw new IllegalArgumentException("weighted_loss_mode \"" + c.loss().weightedLossMode().configName()
                    + "\" under mft launch: the adaptive weightings need validation inside the loop, which multi-process"
                    + " runs do not do yet; use case1-case4");
        }
        out.printf("train: rank %d of %d, %d optimizer steps%n", par.rank(), par.worldSize(),
                settings.totalSteps(train.batchesPerEpoch()));
        ParallelStrategy strategy = par.strategy(params, weights.tensors(), weights.config().numHiddenLayers(), adam,
                root, device);
        TrainerState start = TrainerState.start();
        if (resume.isPresent()) {
            start = RankCheckpointing.restore(resume.get(), strategy);
            out.printf("resume: %s (step %d)%n", resume.get(), start.globalStep());
        }
        double lastLoss;
        Path metricsFile = outputDir.resolve("metrics.jsonl");
        try (MetricsJsonl metrics = !par.main() ? null
                : resume.isPresent() ? MetricsJsonl.resume(metricsFile, start.globalStep()) : new MetricsJsonl(metricsFile)) {
            ConsoleProgress console = new ConsoleProgress(out);
            MetricsSink sink = metrics == null ? console : MetricsSink.all(metrics, console);
            // every rank evaluates the whole validation split (same numbers everywhere); rank 0 logs it
            lastLoss = new Trainer(model, strategy, schedule, settings, sink, root, device,
                    MultiTaskSetup.of(c, data, padId), null).train(train, start,
                    new RankCheckpointing(store, c.checkpoint(), par, strategy, tuning, weights, out)).lastLoss();
        }
        Parallelism.gatherWhole(strategy); // ZeRO-3 holds a shard: the saved model is whole
        Path finalDir = outputDir.resolve("final");
        if (par.main()) {
            tuning.saveFinal(weights, finalDir, TokenizerFilesOf.model(modelDir));
            out.println("saved " + finalDir);
        }
        par.barrier("saved");
        strategy.close();
        weights.close();
        return lastLoss;
    }

    private static void plot(Path metricsFile, Path outputDir, PrintStream out) {
        try {
            LossCurvePlot.write(metricsFile, outputDir.resolve("loss.png"), "mft " + outputDir.getFileName());
        } catch (IOException | RuntimeException e) {
            out.println("loss curve not written: " + e.getMessage());
        }
    }

    /** Device, threads and seed from the runtime section. */
    static final class RuntimeSetup {
        private RuntimeSetup() {}

        static Device start(dev.mft.cli.config.RuntimeConfig r) {
            return start(r, WorkerEnv.single());
        }

        /**
         * Under a launcher each rank takes the GPU of its local rank among the GPUs this process sees; a local rank
         * without a GPU is refused with both numbers and CUDA_VISIBLE_DEVICES named.
         */
        static Device start(dev.mft.cli.config.RuntimeConfig r, WorkerEnv env) {
            ai.djl.engine.Engine engine = TorchRuntime.start();
            TorchRuntime.setThreads(r.numThreads());
            TorchRuntime.seed(r.seed());
            Device d = TorchRuntime.device(r.device().name().toLowerCase(java.util.Locale.ROOT));
            if (!d.isGpu() || !env.distributed()) {
                return d;
            }
            return Device.gpu(dev.mft.core.tensor.CudaDevices.deviceForLocalRank(env.localRank(), engine.getGpuCount(),
                    System.getenv("CUDA_VISIBLE_DEVICES")));
        }
    }
}
