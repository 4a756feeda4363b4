package dev.mft.distributed.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.core.parallel.SingleDevice;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.Trainer;
import dev.mft.core.train.TrainerSettings;
import dev.mft.core.train.TrainingData;
import dev.mft.distributed.LocalGroup;
import dev.mft.distributed.collective.Collective;
import dev.mft.distributed.collective.ReduceOp;
import dev.mft.distributed.strategy.Ddp;
import dev.mft.distributed.strategy.MemoryReport;
import dev.mft.distributed.strategy.ZeroSettings;
import dev.mft.distributed.strategy.ZeroStrategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Distributed benchmarks on the CPU backend, ranks as threads of this JVM joined by real TCP rings (what CI machines
 * and this 2-core box can run): {@code allreduce} (bandwidth per rank vs message size, world 2 and 4), {@code steps}
 * (optimizer step time of ZeRO 0-3 at world 2 vs one process), {@code memory} (bytes per rank per stage vs the ZeRO
 * paper). Run through scripts/bench/distributed.sh; results go to docs/benchmarks.md by hand.
 */
public final class DistributedBench {
    private DistributedBench() {}

    public static void main(String[] args) throws Exception {
        TorchRuntime.start();
        String what = args.length > 0 ? args[0] : "all";
        if (what.equals("all") || what.equals("allreduce")) {
            allReduce();
        }
        if (what.equals("all") || what.equals("memory")) {
            memory();
        }
        if (what.equals("all") || what.equals("steps")) {
            steps();
        }
    }

    // ---- all_reduce bandwidth ----

    static void allReduce() throws Exception {
        TorchRuntime.setThreads(1);
        System.out.println("| ranks | message | time (median) | algbw (GB/s) | busbw per rank (GB/s) |");
        System.out.println("|---|---|---|---|---|");
        for (int world : new int[] {2, 4}) {
            for (int bytes : new int[] {4 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20}) {
                int n = bytes / 4;
                int reps = bytes >= 16 << 20 ? 5 : 20;
                List<Double> medians = LocalGroup.run(world, (rank, c) -> {
                    try (NDManager m = NDManager.newBaseManager()) {
                        NDArray a = m.ones(new Shape(n));
                        c.allReduce(a, ReduceOp.SUM); // warm-up
                        double[] t = new double[reps];
                        for (int i = 0; i < reps; i++) {
                            c.barrier();
                            long start = System.nanoTime();
                            c.allReduce(a, ReduceOp.SUM);
                            t[i] = (System.nanoTime() - start) / 1e9;
                        }
                        Arrays.sort(t);
                        return t[reps / 2];
                    }
                });
                double sec = medians.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                double algbw = bytes / sec / 1e9;
                double busbw = algbw * 2 * (world - 1) / world; // what each rank sends (and receives) per second
                System.out.printf("| %d | %s | %.3f ms | %.2f | %.2f |%n", world, size(bytes), sec * 1e3, algbw, busbw);
            }
        }
    }

    private static String size(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    // ---- a Llama of bench size ----

    static ModelConfig benchModel() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model_type", "llama");
        n.put("vocab_size", 8000);
        n.put("hidden_size", 256);
        n.put("intermediate_size", 688);
        n.put("num_hidden_layers", 4);
        n.put("num_attention_heads", 4);
        n.put("num_key_value_heads", 4);
        n.put("rms_norm_eps", 1e-5);
        n.put("max_position_embeddings", 512);
        return ModelConfig.fromJson(n);
    }

    private static final int GLOBAL_ROWS = 8;
    private static final int SEQ = 128;
    private static final int STEPS = 8;

    static List<TokenBatch> data(int rank, int world) {
        List<TokenBatch> out = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(5);
        int rows = GLOBAL_ROWS / world;
        for (int s = 0; s < STEPS; s++) {
            int[] ids = new int[GLOBAL_ROWS * SEQ];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rng.nextInt(8000);
            }
            int[] mine = Arrays.copyOfRange(ids, rank * rows * SEQ, (rank + 1) * rows * SEQ);
            out.add(TokenBatch.unpadded(rows, SEQ, mine, mine.clone()));
        }
        return out;
    }

    /** Builds model and strategy for one rank; {@code c} null = one process. */
    private static Object[] build(Collective c, int stage, NDManager root) {
        ModelConfig config = benchModel();
        ModelWeights w = ModelWeights.random(config, 1, 0.02, root, Device.cpu());
        List<Parameter> params = w.trainAll();
        LlamaModel model = new LlamaModel(config, w.tensors(), new RotaryEmbedding(root, config),
                LinearFactory.dense(), LlamaModel.Attention.SDPA);
        AdamW.Settings adam = new AdamW.Settings(0.9, 0.999, 1e-8, 0.01);
        Map<String, NDArray> all = new LinkedHashMap<>(w.tensors());
        ZeroSettings zero = ZeroSettings.defaults(stage).withStage(stage);
        zero = new ZeroSettings(stage, zero.bucketElements(), zero.prefetchElements(), 0);
        ParallelStrategy s = c == null ? new SingleDevice(new AdamW(params, adam, root))
                : stage == 0 ? new Ddp(c, params, all, adam, zero, root, Device.cpu())
                : new ZeroStrategy(c, zero, params, all, config.numHiddenLayers(), adam, root, Device.cpu());
        return new Object[] {model, s, w};
    }

    // ---- step time ----

    static void steps() throws Exception {
        System.out.println();
        System.out.println("| run | threads per rank | step time (median of " + (STEPS - 2) + ") |");
        System.out.println("|---|---|---|");
        TorchRuntime.setThreads(2);
        System.out.printf("| 1 process, batch %d | 2 | %.0f ms |%n", GLOBAL_ROWS, stepTime(null, 0) * 1e3);
        TorchRuntime.setThreads(1);
        System.out.printf("| 1 process, batch %d | 1 | %.0f ms |%n", GLOBAL_ROWS, stepTime(null, 0) * 1e3);
        for (int stage = 0; stage <= 3; stage++) {
            int st = stage;
            List<Double> t = LocalGroup.run(2, (rank, c) -> stepTime(c, st));
            System.out.printf("| 2 ranks x batch %d, zero_stage %d | 1 | %.0f ms |%n", GLOBAL_ROWS / 2, stage,
                    t.stream().mapToDouble(Double::doubleValue).max().orElseThrow() * 1e3);
        }
    }

    private static double stepTime(Collective c, int stage) {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Object[] built = build(c, stage, root);
            List<Double> times = new ArrayList<>();
            long[] last = {System.nanoTime()};
            int world = c == null ? 1 : c.worldSize();
            int rank = c == null ? 0 : c.rank();
            new Trainer((LlamaModel) built[0], (ParallelStrategy) built[1],
                    new LrSchedule(LrSchedule.Type.CONSTANT, 1e-4, 0, 0, STEPS),
                    new TrainerSettings(1, STEPS, 1, 1.0, 1), m -> {
                        long now = System.nanoTime();
                        times.add((now - last[0]) / 1e9);
                        last[0] = now;
                    }, root, Device.cpu()).train(TrainingData.repeating(data(rank, world)));
            ((ParallelStrategy) built[1]).close();
            List<Double> steady = new ArrayList<>(times.subList(2, times.size()));
            steady.sort(null);
            return steady.get(steady.size() / 2);
        }
    }

    // ---- bytes per rank ----

    static void memory() throws Exception {
        ModelConfig config = benchModel();
        long psi;
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            psi = ModelWeights.random(config, 1, 0.02, root, Device.cpu()).parameterCount();
        }
        System.out.println();
        System.out.printf("Psi = %,d parameters (fp32: 4 Psi = %.1f MB)%n%n", psi, 4.0 * psi / 1e6);
        System.out.println("| stage | ranks | params MB (formula) | grads MB (formula) | optimizer MB (formula) |");
        System.out.println("|---|---|---|---|---|");
        TorchRuntime.setThreads(1);
        for (int world : new int[] {2, 4}) {
            for (int stage = 0; stage <= 3; stage++) {
                int st = stage;
                List<MemoryReport> r = LocalGroup.run(world, (rank, c) -> measure(c, st));
                MemoryReport m = r.get(0);
                double p = 4.0 * psi / 1e6;
                System.out.printf("| %d | %d | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) |%n", stage, world,
                        m.parameterBytes() / 1e6, stage == 3 ? p / world : p,
                        m.gradientBytes() / 1e6, stage >= 2 ? p / world : p,
                        m.optimizerBytes() / 1e6, stage >= 1 ? 2 * p / world : 2 * p);
            }
        }
    }

    /** Bytes held between layers of the second step's forward (stage 2/3) or after one step (stage 0/1). */
    private static MemoryReport measure(Collective c, int stage) {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Object[] built = build(c, stage, root);
            ParallelStrategy s = (ParallelStrategy) built[1];
            MemoryReport[] seen = {null};
            if (s instanceof ZeroStrategy z) {
                z.onBetweenLayers(() -> seen[0] = seen[0] == null ? z.memory() : seen[0]);
            }
            new Trainer((LlamaModel) built[0], s, new LrSchedule(LrSchedule.Type.CONSTANT, 1e-4, 0, 0, 2),
                    new TrainerSettings(1, 2, 1, 1.0, 1), m -> { }, root, Device.cpu())
                    .train(TrainingData.repeating(data(c.rank(), c.worldSize()).subList(0, 2)));
            MemoryReport r = s instanceof ZeroStrategy z ? (stage >= 2 ? seen[0] : z.memory()) : ((Ddp) s).memory();
            s.close();
            return r;
        }
    }
}
