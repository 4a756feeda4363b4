package dev.mft.peft.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.tensor.TorchShim;
import dev.mft.core.train.StepMetrics;
import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.Trainer;
import dev.mft.core.train.TrainerSettings;
import dev.mft.core.train.TrainingData;
import dev.mft.peft.FrozenLinears;
import dev.mft.peft.TestModels;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.LoraInit;
import dev.mft.peft.lora.LoraLinears;
import dev.mft.peft.lora.TargetModules;
import dev.mft.peft.quant.Nf4Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The PEFT benchmark (scripts/bench/peft.sh runs it): bytes held by a model's base weights in fp32, bf16 and
 * NF4 + double quantization, and optimizer-step time of full fine-tuning, LoRA and QLoRA on the same model. Prints
 * one JSON line per measurement. Arguments: {@code key=value} overrides of the defaults below.
 */
public final class PeftBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new java.util.LinkedHashMap<>(Map.of("hidden", "768", "layers", "12", "heads", "12",
                "ffn", "2048", "vocab", "32000", "batch", "4", "seq", "128", "rank", "16", "steps", "5",
                "warmup", "2"));
        o.put("threads", "2");
        o.put("parts", "memory,full,lora,qlora");
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !o.containsKey(kv[0])) {
                throw new IllegalArgumentException("expected key=value with key in " + o.keySet() + ", got " + a);
            }
            o.put(kv[0], kv[1]);
        }
        TorchRuntime.start();
        TorchRuntime.setThreads(Integer.parseInt(o.get("threads")));
        ModelConfig config = config(o);
        // parts run in the order given and may repeat (full,lora,qlora,full,... spreads a busy machine's slow phases)
        for (String part : o.get("parts").split(",")) {
            if (!List.of("memory", "full", "lora", "qlora").contains(part)) {
                throw new IllegalArgumentException("parts are memory, full, lora, qlora; got " + part);
            }
            System.out.println(part.equals("memory") ? memory(config) : steps(config, part, o));
        }
    }

    static ModelConfig config(Map<String, String> o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", "llama");
        n.put("vocab_size", Integer.parseInt(o.get("vocab")));
        n.put("hidden_size", Integer.parseInt(o.get("hidden")));
        n.put("intermediate_size", Integer.parseInt(o.get("ffn")));
        n.put("num_hidden_layers", Integer.parseInt(o.get("layers")));
        n.put("num_attention_heads", Integer.parseInt(o.get("heads")));
        n.put("num_key_value_heads", Integer.parseInt(o.get("heads")));
        n.put("max_position_embeddings", 2048);
        return ModelConfig.fromJson(n);
    }

    /** Bytes of the base weights as each storage holds them, projections (quantizable) and the rest apart. */
    static String memory(ModelConfig config) {
        ObjectNode r = JSON.createObjectNode();
        r.put("bench", "peft-memory");
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelWeights.random(config, 1, 0.02, root, Device.cpu());
            long projParams = 0;
            long restParams = 0;
            long projBf16 = 0;
            long restBf16 = 0;
            TorchShim shim = TorchShim.get();
            try (NDManager bf16 = root.newSubManager()) {
                for (Map.Entry<String, NDArray> e : w.tensors().entrySet()) {
                    NDArray cast = shim.cast(e.getValue(), TorchDType.BFLOAT16); // a real bf16 copy, held
                    cast.attach(bf16);
                    if (shim.dtypeOf(cast) != TorchDType.BFLOAT16) {
                        throw new IllegalStateException("cast to bf16 gave " + shim.dtypeOf(cast));
                    }
                    long bytes = cast.size() * TorchDType.BFLOAT16.byteSize();
                    if (Nf4Weights.quantizes(e.getKey())) {
                        projParams += e.getValue().size();
                        projBf16 += bytes;
                    } else {
                        restParams += e.getValue().size();
                        restBf16 += bytes;
                    }
                }
            }
            Nf4Weights nf4 = new Nf4Weights(root, Device.cpu());
            long start = System.nanoTime();
            nf4.takeFrom(w); // the fp32 projections are freed as they are quantized
            double quantizeSeconds = (System.nanoTime() - start) / 1e9;
            long restFp32 = 0;
            for (NDArray a : w.tensors().values()) {
                restFp32 += a.size() * 4;
            }
            if (nf4.parameterCount() != projParams || restFp32 != 4 * restParams) {
                throw new IllegalStateException("parameter accounting differs: " + nf4.parameterCount() + " vs "
                        + projParams);
            }
            r.put("params_total", projParams + restParams);
            r.put("params_projections", projParams);
            r.put("params_rest", restParams);
            ObjectNode proj = r.putObject("projection_bytes");
            proj.put("fp32", 4 * projParams);
            proj.put("bf16", projBf16);
            proj.put("nf4_dq", nf4.bytes());
            ObjectNode rest = r.putObject("rest_bytes_embeddings_norms_head");
            rest.put("fp32", restFp32);
            rest.put("bf16", restBf16);
            r.put("nf4_over_fp32", (double) nf4.bytes() / (4.0 * projParams));
            r.put("nf4_bits_per_param", 8.0 * nf4.bytes() / projParams);
            r.put("nf4_lookup_table_bytes", 4 * (512 + 256 + 15 + 255));
            r.put("quantize_seconds", quantizeSeconds);
        }
        return r.toString();
    }

    /** Median optimizer-step time of one method over a fixed random batch (all tokens trained). */
    static String steps(ModelConfig config, String method, Map<String, String> o) {
        int batch = Integer.parseInt(o.get("batch"));
        int seq = Integer.parseInt(o.get("seq"));
        int warmup = Integer.parseInt(o.get("warmup"));
        int measured = Integer.parseInt(o.get("steps"));
        int rank = Integer.parseInt(o.get("rank"));
        if (warmup < 1 || measured < 1) {
            throw new IllegalArgumentException("need warmup >= 1 (the first step's time includes setup) and steps >= 1");
        }
        ObjectNode r = JSON.createObjectNode();
        r.put("bench", "peft-step");
        r.put("method", method);
        r.put("batch", batch);
        r.put("seq", seq);
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelWeights.random(config, 1, 0.02, root, Device.cpu());
            LinearFactory linears;
            LoraLinears lora = null;
            if (method.equals("full")) {
                linears = LinearFactory.dense();
            } else {
                FrozenLinears base = FrozenLinears.dense();
                if (method.equals("qlora")) {
                    Nf4Weights nf4 = new Nf4Weights(root, Device.cpu());
                    nf4.takeFrom(w);
                    base = nf4.linears();
                }
                lora = new LoraLinears(new LoraConfig(rank, 2.0 * rank, 0.05, false, new TargetModules.AllLinear()),
                        base, LoraInit.fresh(1), root);
                linears = lora;
            }
            LlamaModel model = new LlamaModel(config, w.tensors(), new RotaryEmbedding(root, config), linears,
                    LlamaModel.Attention.SDPA);
            List<Parameter> params = lora == null ? w.trainAll() : lora.parameters();
            r.put("trainable_params", params.stream().mapToLong(p -> p.array().size()).sum());
            AdamW adam = new AdamW(params, new AdamW.Settings(0.9, 0.999, 1e-8, 0.0), root);
            int total = warmup + measured;
            List<Double> elapsed = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            new Trainer(model, adam, new LrSchedule(LrSchedule.Type.CONSTANT, 1e-4, 0, 0, total),
                    new TrainerSettings(total, total, 1, 1.0, 1), (StepMetrics m) -> {
                        elapsed.add(m.elapsedSeconds());
                        cpu.add(processCpuSeconds());
                    }, root, Device.cpu()).train(fixed(batch, seq, config.vocabSize()));
            Autograd.noGrad(); // the trainer turned grad mode on for this thread
            double[] wall = perStep(elapsed, warmup, measured);
            r.put("median_step_s", wall[measured / 2]);
            r.put("min_step_s", wall[0]);
            r.put("max_step_s", wall[measured - 1]);
            r.put("tokens_per_s", batch * seq / wall[measured / 2]);
            // CPU seconds the process spent per step: on a shared machine this moves far less than wall time
            r.put("median_step_cpu_s", perStep(cpu, warmup, measured)[measured / 2]);
            r.put("load_avg_1m", loadAverage());
        }
        return r.toString();
    }

    /** Sorted differences between consecutive cumulative values, over the measured steps. */
    private static double[] perStep(List<Double> cumulative, int warmup, int measured) {
        double[] out = new double[measured];
        for (int i = 0; i < measured; i++) {
            out[i] = cumulative.get(warmup + i) - cumulative.get(warmup + i - 1);
        }
        Arrays.sort(out);
        return out;
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static TrainingData fixed(int rows, int cols, int vocab) {
        SplittableRandom rng = new SplittableRandom(3);
        int[] ids = new int[rows * cols];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(vocab);
        }
        return TestModels.fixed(TokenBatch.unpadded(rows, cols, ids, ids.clone()));
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .split(" ")[0]);
        } catch (Exception e) {
            return -1;
        }
    }
}
