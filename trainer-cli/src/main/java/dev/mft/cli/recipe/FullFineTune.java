package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.DataConfig;
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
import dev.mft.core.safetensors.ShardedCheckpointWriter;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.train.MetricsJsonl;
import dev.mft.core.train.MetricsSink;
import dev.mft.core.train.Trainer;
import dev.mft.core.train.TrainerSettings;
import dev.mft.data.tokenize.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Full-parameter fine-tuning, one device: the whole recipe reads top to bottom. Setup builds, in dependency order,
 * the runtime (device, threads, seed), the tokenizer, the data (it needs the tokenizer), the model (its vocab must
 * cover the tokenizer), the optimizer and schedule (the schedule needs the step count, which needs the data); then
 * the loop runs and the result is saved as a HF model folder at {@code output_dir/final}.
 */
public final class FullFineTune {
    private FullFineTune() {}

    /** Runs the recipe; returns the loss of the last step. */
    public static double run(TrainConfig c, PrintStream out) throws IOException {
        Unsupported.check(c);
        Path modelDir = c.model().pretrainedModelPath();
        ModelSetup.requireModelFolder(c.model().pretrainedModelPath());
        Device device = RuntimeSetup.start(c.runtime());
        Path outputDir = c.checkpoint().outputDir();
        Files.createDirectories(outputDir);

        try (HfTokenizer tokenizer = PreparedData.tokenizer(c.data(), modelDir);
                NDManager root = NDManager.newBaseManager(device)) {
            PreparedData data = PreparedData.prepare(c.data(), tokenizer, c.runtime().seed(), true, out);
            ScheduleConfig s = c.schedule();
            int padId = tokenizer.specialTokens().pad().id();
            BatchedData train = new BatchedData(data.train(), padId, c.data().seqLength(),
                    c.data().useDynamicPadding(), c.data().paddingMode() == DataConfig.PaddingMode.PACK,
                    s.perDeviceTrainBatchSize(), c.runtime().seed(), c.data().useRandomSampler());

            ModelWeights weights = ModelSetup.load(c, tokenizer, root, device, out);
            List<Parameter> params = weights.trainAll();
            LlamaModel model = new LlamaModel(weights.config(), weights.tensors(),
                    new RotaryEmbedding(root, weights.config()), LinearFactory.dense(), ModelSetup.attention(c));

            TrainerSettings settings = new TrainerSettings(s.numTrainEpochs(), s.maxTrainSteps().orElse(0),
                    s.gradientAccumulationSteps(), c.optim().maxGradNorm(), c.logging().logInterval());
            int totalSteps = settings.totalSteps(train.batchesPerEpoch());
            LrSchedule schedule = new LrSchedule(LrSchedule.Type.valueOf(s.lrSchedulerType().name()),
                    c.optim().learningRate(), c.optim().minLr(), s.warmup().steps(totalSteps), totalSteps);
            AdamW optimizer = new AdamW(params, new AdamW.Settings(c.optim().adamBeta1(), c.optim().adamBeta2(),
                    c.optim().adamEpsilon(), c.optim().weightDecay()), root);

            out.printf("train: %,d examples (%,d validation held out), %d micro-batches/epoch, %d optimizer steps,"
                    + " warmup %d, %s on %s%n", data.train().size(), data.valid().size(), train.batchesPerEpoch(),
                    totalSteps, schedule.warmupSteps(), weights.config().modelType(), device);
            double lastLoss;
            try (MetricsJsonl metrics = new MetricsJsonl(outputDir.resolve("metrics.jsonl"))) {
                ConsoleProgress console = new ConsoleProgress(out);
                Trainer trainer = new Trainer(model, optimizer, schedule, settings, MetricsSink.all(metrics, console),
                        root, device, MultiTaskSetup.of(c, data, padId));
                lastLoss = trainer.train(train);
            }
            Path finalDir = outputDir.resolve("final");
            ModelCheckpoints.save(weights, finalDir, ModelSetup.saveDType(weights),
                    ShardedCheckpointWriter.DEFAULT_MAX_SHARD_BYTES, TokenizerFilesOf.model(modelDir));
            out.println("saved " + finalDir);
            optimizer.close();
            weights.close();
            return lastLoss;
        }
    }

    /** Device, threads and seed from the runtime section. */
    static final class RuntimeSetup {
        private RuntimeSetup() {}

        static Device start(dev.mft.cli.config.RuntimeConfig r) {
            TorchRuntime.start();
            TorchRuntime.setThreads(r.numThreads());
            TorchRuntime.seed(r.seed());
            return TorchRuntime.device(r.device().name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
