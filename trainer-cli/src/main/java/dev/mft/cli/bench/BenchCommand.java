package dev.mft.cli.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.cli.presets.ModelPresets;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.tensor.TorchShim;
import dev.mft.core.train.MetricsSink;
import dev.mft.core.train.StepMetrics;
import dev.mft.core.train.Trainer;
import dev.mft.core.train.TrainerSettings;
import java.io.IOException;
import java.io.PrintStream;
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
 * {@code mft bench}: times optimizer steps of full fine-tuning, LoRA or QLoRA on synthetic batches through the same
 * Trainer {@code mft train} uses, next to the machine's matmul rate, and prints one JSON line; the counterpart of
 * scripts/bench/torch_reference.py (scripts/bench/compare.sh runs both alternately).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time training steps (forward, loss, backward, clip 1.0, AdamW lr 1e-4 wd 0.01) of a model on"
            + " synthetic batches, through the same Trainer `mft train` uses.",
            "One fixed batch of seeded random token ids (every label trained) is stepped warmup + steps times;"
            + " warm-up steps are not timed. Progress goes to stderr; the last line on stdout is ONE JSON object:"
            + " step_time_ms (median), tokens_per_s, peak_memory_bytes (process peak RSS on the CPU, device memory"
            + " in use on a GPU), matmul_flops_per_s (the faster of a 2048^3 matmul and the model's lm_head matmul,"
            + " matmul_square_flops_per_s and matmul_head_flops_per_s, in the compute dtype through the same engine),"
            + " achieved_flops_per_s and roofline_fraction (the step's FLOPs, see docs/benchmarks.md, over its"
            + " time, and that over the matmul rate), mfu on a GPU (over the device's bf16 peak), and the run's shape"
            + " and environment (aten_cpu_capability: libtorch's CPU kernel set, AVX2 on AMD CPUs unless"
            + " ATEN_CPU_CAPABILITY is set).",
            "bin/mft sets the glibc malloc variables and MKL's CPU dispatch this command is meant to run with.",
            "", "Examples:", "  mft bench", "  mft bench --peft lora --steps 30",
            "  mft bench --model qwen2-0.5b --peft lora --seq_length 2048 --batch 1 --bf16 --device gpu",
            "  mft bench --steps 500 --warmup 10      # step time over a long run: see step_time_ms_early/_late",
            "  scripts/bench/compare.sh               # mft and PyTorch eager, alternating, with the ratio"})
public final class BenchCommand implements Callable<Integer> {

    /** Steps whose median the progress line shows (it prints every 10th step). */
    private static final int PROGRESS_WINDOW = 10;

    @Spec
    CommandSpec spec;

    @Option(names = {"--model", "--preset"}, defaultValue = "bench-19m", paramLabel = "<dir|preset|config.json>",
            description = "A HF model folder (its weights are loaded), a preset (${COMPLETION-CANDIDATES}: random"
                    + " weights) or a config.json (random weights); default ${DEFAULT-VALUE}: llama, hidden 256,"
                    + " 4 layers, 4 heads, ffn 688, vocab 32000.",
            completionCandidates = PresetNames.class)
    String model;

    @Option(names = "--vocab", paramLabel = "<n>",
            description = "vocab_size of a preset or config.json (default: its own, or 32000 when it has none).")
    Integer vocab;

    @Option(names = "--peft", defaultValue = "none", paramLabel = "none|lora|qlora",
            description = "What trains: none (full fine-tuning, default), lora or qlora (adapters on every decoder"
                    + " projection over a frozen fp32 or NF4 base).")
    String peft;

    @Option(names = "--lora_rank", defaultValue = "16", description = "LoRA r (default ${DEFAULT-VALUE}).")
    int loraRank;

    @Option(names = "--lora_alpha", defaultValue = "32", description = "LoRA alpha (default ${DEFAULT-VALUE}).")
    double loraAlpha;

    @Option(names = {"--seq_length", "--seq"}, defaultValue = "128", description = "Tokens per row (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--batch", defaultValue = "4", description = "Rows per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "20", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", defaultValue = "2", description = "libtorch intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--bf16", description = "Compute in bf16 (fp32 master weights and optimizer state).")
    boolean bf16;

    @Option(names = {"--gradient_checkpointing", "--gradient-checkpointing"},
            description = "Recompute each decoder layer in backward (activation checkpointing).")
    boolean gradientCheckpointing;

    @Option(names = "--loss_chunk_tokens", defaultValue = "0", paramLabel = "<n>",
            description = "lm_head + loss on this many tokens at a time, as the train config key of the same name:"
                    + " 0 = auto (default), -1 = the whole batch at once through plain autograd.")
    int lossChunkTokens;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu",
            description = "cpu (default) or gpu (the GPU of LOCAL_RANK, else the first).")
    String device;

    @Option(names = "--attention", defaultValue = "sdpa", paramLabel = "sdpa|eager",
            converter = AttentionConverter.class,
            description = "sdpa (aten::scaled_dot_product_attention) or eager (composed ops); default ${DEFAULT-VALUE}.")
    LlamaModel.Attention attention;

    @Option(names = "--no-roofline", negatable = false,
            description = "Skip measuring the matmul rate (saves a few seconds; no roofline_fraction).")
    boolean noRoofline;

    @Option(names = "--profile", description = "After the timed steps, time each phase of a step (forward, loss,"
            + " backward, clip, AdamW, zero grad) over the same batch; printed to stderr and as phases_ms.")
    boolean profile;

    @Option(names = {"--checkpoint_io", "--checkpoint-io"},
            description = "Also time writing and reading a training checkpoint (model + AdamW state) to a temp folder.")
    boolean checkpointIo;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the weights and the token ids (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--prompt_tokens", defaultValue = "0", paramLabel = "<n>",
            description = "Leave the first n labels of every row untrained, as a chat sample's prompt (default 0:"
                    + " every next-token prediction trains). step_flops still counts every position's logits.")
    int promptTokens;

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
        BenchSetup.Method method = method();
        checkOptions();
        Path modelDir = Files.isDirectory(Path.of(model)) ? Path.of(model) : null;
        ModelConfig config = modelConfig(modelDir);
        Engine engine = TorchRuntime.start();
        TorchRuntime.setThreads(threads);
        TorchRuntime.seed(seed);
        Device dev = device(engine);
        TorchDType compute = bf16 ? TorchDType.BFLOAT16 : TorchDType.FLOAT32;
        PrintStream progress = System.err;
        int totalSteps = warmup + steps;
        List<StepMetrics> logged = new ArrayList<>();
        DeviceMemory memory = DeviceMemory.of(dev);
        double loadBefore = loadAverage();
        ObjectNode json = new ObjectMapper().createObjectNode();
        long tokensPerStep = (long) batch * seq;
        try (NDManager root = NDManager.newBaseManager(dev)) {
            MatmulRate.Rates matmulRates = null;
            if (!noRoofline) {
                progress.printf("bench: measuring the %s matmul rate (%d^3, and the lm_head's [%d, %d] x [%d, %d]) on"
                        + " %s%n", compute.name().toLowerCase(Locale.ROOT), MatmulRate.SIDE,
                        Math.min(tokensPerStep, MatmulRate.MAX_HEAD_ROWS), config.hiddenSize(), config.hiddenSize(),
                        config.vocabSize(), dev);
                matmulRates = MatmulRate.measure(root, dev, compute, tokensPerStep, config.hiddenSize(),
                        config.vocabSize());
            }
            BenchSetup setup = BenchSetup.create(config, modelDir, method, loraRank, loraAlpha, compute, seed, root, dev);
            try (var weights = setup.weights()) {
                LlamaModel llama = new LlamaModel(config, setup.weights().tensors(), new RotaryEmbedding(root, config),
                        setup.linears(), attention, compute);
                var trainable = setup.trainable();
                long trainableCount = trainable.stream().mapToLong(p -> p.array().size()).sum();
                progress.printf("bench: %s, %s, %,d parameters (%,d trainable), %d x %d tokens, %s on %s, %d threads,"
                        + " %d + %d steps%n", model, method.name().toLowerCase(Locale.ROOT), setup.parameterCount(),
                        trainableCount, batch, seq, compute.name().toLowerCase(Locale.ROOT), dev, threads, warmup,
                        steps);
                StepFlops flops = setup.flops(config, seq);
                try (AdamW optimizer = new AdamW(trainable, new AdamW.Settings(0.9, 0.999, 1e-8, 0.01), root)) {
                    // log_interval 1: the sink sees every step's cumulative clock, so per-step times need no new hook
                    MetricsSink sink = m -> {
                        logged.add(m);
                        memory.sample();
                        if (m.step() % 10 == 0 || m.step() == totalSteps) {
                            StepTimes recent = StepTimes.lastSteps(clock(logged), PROGRESS_WINDOW);
                            progress.printf("bench: step %d/%d loss %.4f, %.1f ms/step (median of the last %d)%n",
                                    m.step(), totalSteps, m.loss(), recent.median() * 1000, recent.seconds().length);
                        }
                    };
                    Trainer trainer = new Trainer(llama, optimizer,
                            new LrSchedule(LrSchedule.Type.CONSTANT, 1e-4, 0, 0, totalSteps),
                            new TrainerSettings(1, totalSteps, 1, 1.0, 1, TrainerSettings.DEFAULT_MAX_NON_FINITE_STEPS,
                                    gradientCheckpointing, lossChunkTokens), sink, root, dev);
                    var tokens = RepeatedBatch.randomTokens(batch, seq, config.vocabSize(), seed, promptTokens);
                    trainer.train(new RepeatedBatch(tokens, totalSteps));
                    StepTimes times = StepTimes.fromCumulative(clock(logged), warmup);
                    resultJson(json, times, setup.parameterCount(), trainableCount, engine, logged, loadBefore, dev,
                            method, compute);
                    double stepFlops = flops.perStep(tokensPerStep);
                    double achieved = stepFlops / times.median();
                    json.put("step_flops", stepFlops);
                    json.put("achieved_flops_per_s", Math.round(achieved));
                    if (matmulRates != null) {
                        json.put("matmul_flops_per_s", Math.round(matmulRates.best()));
                        json.put("matmul_square_flops_per_s", Math.round(matmulRates.square()));
                        json.put("matmul_head_flops_per_s", Math.round(matmulRates.head()));
                        json.put("roofline_fraction", round(achieved / matmulRates.best(), 3));
                    }
                    if (dev.isGpu()) {
                        double peak = GpuPeaks.bf16FlopsPerSecond(GpuPeaks.deviceName(dev));
                        if (peak > 0) {
                            json.put("mfu", round(achieved / peak, 4));
                        } else {
                            json.putNull("mfu");
                        }
                    }
                    if (profile) {
                        PhaseProfile phases = PhaseProfile.measure(llama, optimizer, tokens, root, dev,
                                Math.max(5, Math.min(steps, 15)), lossChunkTokens);
                        progress.println(phases.table());
                        json.set("phases_ms", phases.json());
                    }
                    if (checkpointIo) {
                        CheckpointIoTimes t = CheckpointIoTimes.measure(setup.weights(), optimizer, root, dev);
                        json.put("checkpoint_write_s", round(t.writeSeconds(), 2));
                        json.put("checkpoint_read_s", round(t.readSeconds(), 2));
                        json.put("checkpoint_bytes", t.bytes());
                    }
                }
            }
        }
        json.put("peak_memory_bytes", memory.peakBytes());
        json.put("peak_memory_kind", memory.kind());
        PrintWriter out = spec.commandLine().getOut();
        out.println(json);
        out.flush();
        return 0;
    }

    private BenchSetup.Method method() {
        switch (peft.trim().toLowerCase(Locale.ROOT)) {
            case "none":
            case "full":
                return BenchSetup.Method.FULL;
            case "lora":
                return BenchSetup.Method.LORA;
            case "qlora":
                return BenchSetup.Method.QLORA;
            default:
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--peft must be none, lora or qlora; got '" + peft + "'");
        }
    }

    private void checkOptions() {
        String problem = threads < 1 ? "--threads must be >= 1, got " + threads
                : warmup < 0 ? "--warmup must be >= 0, got " + warmup
                : steps < 1 ? "--steps must be >= 1, got " + steps
                : batch < 1 ? "--batch must be >= 1, got " + batch
                : seq < 2 ? "--seq_length must be >= 2 (a row of one token trains nothing), got " + seq
                : vocab != null && vocab < 1 ? "--vocab must be >= 1, got " + vocab
                : loraRank < 1 ? "--lora_rank must be >= 1, got " + loraRank
                : lossChunkTokens < -1 ? "--loss_chunk_tokens must be -1, 0 or a token count, got " + lossChunkTokens
                : promptTokens < 0 || promptTokens > seq - 2 ? "--prompt_tokens must be between 0 and --seq_length - 2"
                        + " (something must train), got " + promptTokens
                : !device.equals("cpu") && !device.equals("gpu") ? "--device must be cpu or gpu, got '" + device + "'"
                : null;
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), problem);
        }
    }

    /** cpu, or the GPU of this process (LOCAL_RANK under a launcher, else the first). */
    private Device device(Engine engine) {
        if (device.equals("cpu")) {
            return Device.cpu();
        }
        int gpus = engine.getGpuCount();
        String localRank = System.getenv("LOCAL_RANK");
        int index = localRank == null ? 0 : Integer.parseInt(localRank.trim());
        if (gpus == 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--device gpu, but DJL sees no GPU (the CPU"
                    + " build of libtorch is on the class path, or libcudart.so is not found: see docs/gpu.md)");
        }
        try {
            index = dev.mft.core.tensor.CudaDevices.deviceForLocalRank(index, gpus, System.getenv("CUDA_VISIBLE_DEVICES"));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return Device.gpu(index);
    }

    /** The model's shape: a folder's config.json, a preset or a config.json file (vocab overridable for the last two). */
    private ModelConfig modelConfig(Path modelDir) throws IOException {
        if (modelDir != null) {
            if (vocab != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--vocab applies to presets and"
                        + " config.json files, not to a model folder (" + modelDir + ")");
            }
            return checkedSeq(ModelConfig.read(modelDir));
        }
        if (!ModelPresets.NAMES.contains(model) && !Files.isRegularFile(Path.of(model))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model '" + model + "' is neither a model"
                    + " folder, a preset " + ModelPresets.NAMES + " nor a config.json file");
        }
        ObjectNode json = ModelPresets.resolve(model);
        json.put("vocab_size", vocab != null ? vocab : json.path("vocab_size").asInt(32000));
        return checkedSeq(ModelConfig.fromJson(json));
    }

    private ModelConfig checkedSeq(ModelConfig config) {
        if (seq > config.maxPositionEmbeddings()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seq_length " + seq + " exceeds the model's"
                    + " max_position_embeddings " + config.maxPositionEmbeddings());
        }
        return config;
    }

    /** The JSON line: the keys of torch_reference.py where they mean the same, plus the run's shape. */
    private void resultJson(ObjectNode o, StepTimes times, long params, long trainableParams, Engine engine,
            List<StepMetrics> logged, double loadBefore, Device dev, BenchSetup.Method method, TorchDType compute) {
        o.put("impl", "mft-djl");
        o.put("libtorch", engine.getVersion());
        o.put("djl", Engine.getDjlVersion());
        o.put("device", dev.toString());
        o.put("threads", threads);
        o.put("model", model);
        o.put("peft", method.name().toLowerCase(Locale.ROOT));
        o.put("compute", compute == TorchDType.BFLOAT16 ? "bf16" : "fp32");
        o.put("gradient_checkpointing", gradientCheckpointing);
        o.put("loss_chunk_tokens", lossChunkTokens);
        o.put("prompt_tokens", promptTokens);
        o.put("attention", attention.name().toLowerCase(Locale.ROOT));
        o.put("batch", batch);
        o.put("seq_length", seq);
        o.put("steps", steps);
        o.put("warmup", warmup);
        o.put("step_time_ms", round(times.median() * 1000, 1));
        o.put("step_time_ms_mean", round(times.mean() * 1000, 1));
        int window = Math.max(1, Math.min(50, times.seconds().length / 5));
        o.put("step_time_ms_early", round(times.windowMedian(0, window) * 1000, 1));
        o.put("step_time_ms_late", round(times.windowMedian(times.seconds().length - window, window) * 1000, 1));
        o.put("tokens_per_s", round(times.tokensPerSecond((long) batch * seq), 1));
        o.put("params", params);
        o.put("trainable_params", trainableParams);
        o.put("loss_first", round(logged.get(0).loss(), 4));
        o.put("loss_last", round(logged.get(logged.size() - 1).loss(), 4));
        o.put("mkl_any_cpu", String.valueOf(System.getenv("LD_PRELOAD")).contains("mkl_any_cpu"));
        o.put("aten_cpu_capability", TorchShim.get().cpuCapability()); // AVX2 on AMD CPUs: see AtenCpuKernels
        // the environment moves CPU step times by tens of percent (docs/benchmarks.md): record it with the numbers
        String policy = System.getenv("OMP_WAIT_POLICY");
        o.put("omp_wait_policy", policy == null ? "unset" : policy);
        o.put("malloc_settings", System.getenv("MALLOC_MMAP_THRESHOLD_") != null);
        // heap and JIT settings (bin/mft's and MFT_JAVA_OPTS's) move the first steps' times and the peak RSS
        var jvmOptions = o.putArray("jvm_options");
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-X"))
                .forEach(jvmOptions::add);
        // other processes distort CPU timings badly: record the machine's load like the Python side does
        o.put("loadavg_1m_before", round(loadBefore, 2));
        o.put("loadavg_1m_after", round(loadAverage(), 2));
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /**
     * The Trainer's cumulative clock, one entry per logged step (log_interval 1: every step). The progress line maps
     * it every 10th step: a few thousand boxed doubles at most, microseconds next to a step.
     */
    private static List<Double> clock(List<StepMetrics> logged) {
        return logged.stream().map(StepMetrics::elapsedSeconds).toList();
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
