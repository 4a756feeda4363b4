package dev.mft.cli.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.cli.presets.ModelPresets;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.train.StepMetrics;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.train.Trainer;
import dev.mft.core.train.TrainerSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mft bench-step}: times full fine-tuning optimizer steps (fp32, CPU) through the real training loop and
 * prints one JSON line, the counterpart of scripts/reference/bench_torch_step.py.
 */
@Command(name = "bench-step", mixinStandardHelpOptions = true,
        description = {"Time full fine-tuning steps (forward, loss, backward, clip 1.0, AdamW lr 1e-4 wd 0.01) of a"
            + " randomly initialized preset model in fp32 on the CPU, through the same Trainer `mft train` uses.",
            "One fixed batch of seeded random token ids (every label trained) is stepped warmup + steps times;"
            + " warmup steps are not timed. Prints ONE JSON line on stdout: impl, threads, ms_per_step_median,"
            + " ms_per_step_mean, tokens_per_s (batch*seq / median step time), params, ...",
            "Set the glibc malloc variables of bin/mft (it does so itself) or the step is slower from page-fault churn.",
            "", "Examples:", "  mft bench-step", "  mft bench-step --threads 2 --warmup 3 --steps 20 --attention eager",
            "  scripts/bench/full_step.sh     # mft and PyTorch eager, alternating, with the ratio"})
public final class BenchStepCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "bench-19m", paramLabel = "<preset|config.json>",
            description = "Model shape: a preset (${COMPLETION-CANDIDATES}) or a HF config.json"
                    + " (default ${DEFAULT-VALUE}: hidden 256, 4 layers, 4 heads, ffn 688).",
            completionCandidates = PresetNames.class)
    String preset;

    @Option(names = "--vocab", paramLabel = "<n>",
            description = "vocab_size; default: the preset's vocab_size, or 32000 when it has none.")
    Integer vocab;

    @Option(names = "--threads", defaultValue = "2", description = "libtorch intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "20", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "4", description = "Rows per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq", defaultValue = "128", description = "Tokens per row (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--attention", defaultValue = "sdpa", paramLabel = "sdpa|eager",
            converter = AttentionConverter.class,
            description = "sdpa (aten::scaled_dot_product_attention) or eager (composed ops); default ${DEFAULT-VALUE}.")
    LlamaModel.Attention attention;

    @Option(names = {"--gradient_checkpointing", "--gradient-checkpointing"},
            description = "Recompute each decoder layer in backward (activation checkpointing).")
    boolean gradientCheckpointing;

    @Option(names = "--bf16", description = "Compute in bf16 (fp32 master weights and optimizer state).")
    boolean bf16;

    @Option(names = {"--checkpoint_io", "--checkpoint-io"},
            description = "Also time writing and reading a training checkpoint (fp32 model + AdamW state) to a temp folder.")
    boolean checkpointIo;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the weights and the token ids (default ${DEFAULT-VALUE}).")
    long seed;

    /** Preset names for picocli's help. */
    static final class PresetNames extends ArrayList<String> {
        PresetNames() {
            super(ModelPresets.NAMES);
        }
    }

    /** sdpa | eager, case-insensitive. */
    static final class AttentionConverter implements CommandLine.ITypeConverter<LlamaModel.Attention> {
        @Override
        public LlamaModel.Attention convert(String value) {
            try {
                return LlamaModel.Attention.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected sdpa or eager, got '" + value + "'");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        checkOptions();
        ModelConfig config = modelConfig();
        Engine engine = TorchRuntime.start();
        TorchRuntime.setThreads(threads);
        TorchRuntime.seed(seed);
        Device cpu = Device.cpu();
        int totalSteps = warmup + steps;
        List<StepMetrics> logged = new ArrayList<>();
        double loadBefore = loadAverage();
        long params;
        long peakRssBytes;
        CheckpointIoTimes checkpointTimes = null;
        try (NDManager root = NDManager.newBaseManager(cpu);
                ModelWeights weights = ModelWeights.random(config, seed, 0.02, root, cpu)) {
            params = weights.parameterCount();
            TorchDType compute = bf16 ? TorchDType.BFLOAT16 : TorchDType.FLOAT32;
            LlamaModel model = new LlamaModel(config, weights.tensors(), new RotaryEmbedding(root, config),
                    LinearFactory.dense(compute), attention, compute);
            try (AdamW optimizer = new AdamW(weights.trainAll(), new AdamW.Settings(0.9, 0.999, 1e-8, 0.01), root)) {
                // log_interval 1: the sink sees every step's cumulative clock, so per-step times need no new hook
                Trainer trainer = new Trainer(model, optimizer,
                        new LrSchedule(LrSchedule.Type.CONSTANT, 1e-4, 0, 0, totalSteps),
                        new TrainerSettings(1, totalSteps, 1, 1.0, 1, TrainerSettings.DEFAULT_MAX_NON_FINITE_STEPS,
                                gradientCheckpointing), logged::add, root, cpu);
                trainer.train(new RepeatedBatch(RepeatedBatch.randomTokens(batch, seq, config.vocabSize(), seed),
                        totalSteps));
                peakRssBytes = PeakMemory.peakRssBytes();
                if (checkpointIo) {
                    checkpointTimes = CheckpointIoTimes.measure(weights, optimizer, root, cpu);
                }
            }
        }
        StepTimes times = StepTimes.fromCumulative(logged.stream().map(StepMetrics::elapsedSeconds).toList(), warmup);
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode json = resultJson(times, params, engine, logged, loadBefore);
        json.put("gradient_checkpointing", gradientCheckpointing);
        json.put("compute", bf16 ? "bf16" : "fp32");
        json.put("peak_rss_bytes", peakRssBytes);
        if (checkpointTimes != null) {
            json.put("checkpoint_write_s", round1(checkpointTimes.writeSeconds() * 10) / 10);
            json.put("checkpoint_read_s", round1(checkpointTimes.readSeconds() * 10) / 10);
            json.put("checkpoint_bytes", checkpointTimes.bytes());
        }
        out.println(json);
        out.flush();
        return 0;
    }

    private void checkOptions() {
        String problem = threads < 1 ? "--threads must be >= 1, got " + threads
                : warmup < 0 ? "--warmup must be >= 0, got " + warmup
                : steps < 1 ? "--steps must be >= 1, got " + steps
                : batch < 1 ? "--batch must be >= 1, got " + batch
                : seq < 2 ? "--seq must be >= 2 (a row of one token trains nothing), got " + seq
                : vocab != null && vocab < 1 ? "--vocab must be >= 1, got " + vocab
                : null;
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), problem);
        }
    }

    /** The preset's shape with the chosen vocab; the sequence must fit its position range. */
    private ModelConfig modelConfig() throws IOException {
        if (!ModelPresets.NAMES.contains(preset) && !Files.isRegularFile(Path.of(preset))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--preset '" + preset + "' is neither a preset "
                    + ModelPresets.NAMES + " nor a config.json file");
        }
        ObjectNode json = ModelPresets.resolve(preset);
        json.put("vocab_size", vocab != null ? vocab : json.path("vocab_size").asInt(32000));
        ModelConfig config = ModelConfig.fromJson(json);
        if (seq > config.maxPositionEmbeddings()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seq " + seq + " exceeds the preset's"
                    + " max_position_embeddings " + config.maxPositionEmbeddings());
        }
        return config;
    }

    /** The JSON line: the keys of bench_torch_step.py where they mean the same, plus the run's shape. */
    private ObjectNode resultJson(StepTimes times, long params, Engine engine, List<StepMetrics> logged,
            double loadBefore) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("impl", "mft-djl");
        o.put("libtorch", engine.getVersion());
        o.put("djl", Engine.getDjlVersion());
        o.put("threads", threads);
        o.put("ms_per_step_median", round1(times.median() * 1000));
        o.put("ms_per_step_mean", round1(times.mean() * 1000));
        o.put("tokens_per_s", round1(times.tokensPerSecond((long) batch * seq)));
        o.put("steps", steps);
        o.put("warmup", warmup);
        o.put("batch", batch);
        o.put("seq", seq);
        o.put("attention", attention.name().toLowerCase(Locale.ROOT));
        o.put("params", params);
        o.put("loss_first", Math.round(logged.get(0).loss() * 1e4) / 1e4);
        o.put("loss_last", Math.round(logged.get(logged.size() - 1).loss() * 1e4) / 1e4);
        // other processes distort CPU timings badly: record the machine's load like the Python side does
        o.put("loadavg_1m_before", Math.round(loadBefore * 100) / 100.0);
        o.put("loadavg_1m_after", Math.round(loadAverage() * 100) / 100.0);
        return o;
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
