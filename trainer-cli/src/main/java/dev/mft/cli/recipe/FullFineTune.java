package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.ScheduleConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.optim.Parameter;
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.core.safetensors.ShardedCheckpointWriter;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.train.MetricsJsonl;
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

/**
 * Full-parameter fine-tuning: the whole recipe reads top to bottom. Setup builds, in dependency order, the runtime
 * (device, threads, seed), where this process stands in a multi-process run (under {@code mft launch}), the
 * tokenizer, the data (it needs the tokenizer; each rank keeps its rows of every global batch), the model (its vocab
 * must cover the tokenizer), the parallel strategy with its optimizer, and the schedule (it needs the step count,
 * which needs the data); then the loop runs and rank 0 saves the result as a HF model folder at
 * {@code output_dir/final}.
 */
public final class FullFineTune {
    private FullFineTune() {}

    /** Runs the recipe; returns the loss of the last step. */
    public static double run(TrainConfig c, PrintStream out) throws IOException {
        Unsupported.check(c);
        Path modelDir = c.model().pretrainedModelPath();
        ModelSetup.requireModelFolder(c.model().pretrainedModelPath());
        WorkerEnv env = WorkerEnv.fromEnvironment();
        Device device = RuntimeSetup.start(c.runtime(), env);
        Path outputDir = c.checkpoint().outputDir();
        Files.createDirectories(outputDir);

        try (Parallelism par = Parallelism.start(c, env, device, out);
                HfTokenizer tokenizer = HfTokenizer.load(modelDir);
                NDManager root = NDManager.newBaseManager(device)) {
            out = par.main() ? out : new PrintStream(OutputStream.nullOutputStream()); // one rank reports
            PreparedData data = PreparedData.prepare(c.data(), tokenizer, c.runtime().seed(), true, out);
            ScheduleConfig s = c.schedule();
            BatchedData train = new BatchedData(data.train(), tokenizer.specialTokens().pad().id(),
                    c.data().seqLength(), c.data().useDynamicPadding(), s.perDeviceTrainBatchSize(),
                    c.runtime().seed(), c.data().useRandomSampler(), par.rank(), par.worldSize());

            ModelWeights weights = ModelSetup.load(c, tokenizer, root, device, out);
            List<Parameter> params = weights.trainAll();
            LlamaModel model = new LlamaModel(weights.config(), weights.tensors(),
                    new RotaryEmbedding(root, weights.config()), LinearFactory.dense(), ModelSetup.attention(c));
            ParallelStrategy strategy = par.strategy(params, weights.tensors(), weights.config().numHiddenLayers(),
                    new AdamW.Settings(c.optim().adamBeta1(), c.optim().adamBeta2(), c.optim().adamEpsilon(),
                            c.optim().weightDecay()), root, device);

            TrainerSettings settings = new TrainerSettings(s.numTrainEpochs(), s.maxTrainSteps().orElse(0),
                    s.gradientAccumulationSteps(), c.optim().maxGradNorm(), c.logging().logInterval());
            int totalSteps = settings.totalSteps(train.batchesPerEpoch());
            LrSchedule schedule = new LrSchedule(LrSchedule.Type.valueOf(s.lrSchedulerType().name()),
                    c.optim().learningRate(), c.optim().minLr(), s.warmup().steps(totalSteps), totalSteps);

            out.printf("train: %,d examples (%,d validation held out), %d micro-batches/epoch, %d optimizer steps,"
                    + " warmup %d, %s on %s%n", data.train().size(), data.valid().size(), train.batchesPerEpoch(),
                    totalSteps, schedule.warmupSteps(), weights.config().modelType(), device);
            double lastLoss;
            try (MetricsJsonl metrics = par.main() ? new MetricsJsonl(outputDir.resolve("metrics.jsonl")) : null) {
                ConsoleProgress console = new ConsoleProgress(out);
                Trainer trainer = new Trainer(model, strategy, schedule, settings, m -> {
                    if (metrics != null) {
                        metrics.log(m);
                    }
                    console.log(m);
                }, root, device);
                lastLoss = trainer.train(train);
            }
            Parallelism.gatherWhole(strategy); // ZeRO-3 holds a shard: the saved model is whole
            Path finalDir = outputDir.resolve("final");
            if (par.main()) {
                ModelCheckpoints.save(weights, finalDir, ModelSetup.saveDType(weights),
                        ShardedCheckpointWriter.DEFAULT_MAX_SHARD_BYTES, TokenizerFilesOf.model(modelDir));
                out.println("saved " + finalDir);
            }
            par.barrier("saved");
            strategy.close();
            weights.close();
            return lastLoss;
        }
    }

    /** Device, threads and seed from the runtime section. */
    static final class RuntimeSetup {
        private RuntimeSetup() {}

        static Device start(dev.mft.cli.config.RuntimeConfig r) {
            return start(r, WorkerEnv.single());
        }

        /** Under a launcher each rank takes the GPU of its local rank. */
        static Device start(dev.mft.cli.config.RuntimeConfig r, WorkerEnv env) {
            TorchRuntime.start();
            TorchRuntime.setThreads(r.numThreads());
            TorchRuntime.seed(r.seed());
            Device d = TorchRuntime.device(r.device().name().toLowerCase(java.util.Locale.ROOT));
            return d.isGpu() && env.distributed() ? Device.gpu(env.localRank()) : d;
        }
    }
}
