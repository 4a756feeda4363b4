package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.DistConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.Parameter;
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.core.parallel.SingleDevice;
import dev.mft.distributed.collective.Collective;
import dev.mft.distributed.collective.NcclCollective;
import dev.mft.distributed.collective.TcpRingCollective;
import dev.mft.distributed.launch.WorkerEnv;
import dev.mft.distributed.rendezvous.Rendezvous;
import dev.mft.distributed.strategy.Ddp;
import dev.mft.distributed.strategy.DeepSpeedConfig;
import dev.mft.distributed.strategy.ZeroSettings;
import dev.mft.distributed.strategy.ZeroStrategy;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The one place the train config meets the distributed module: where this process stands (torchrun's environment),
 * the ZeRO settings (zero_stage and the DeepSpeed JSON, checked against the train config), the rendezvous and the
 * collective backend, and the strategy the trainer runs with. A plain {@code mft train} is one rank: no store, no
 * sockets, {@link SingleDevice}.
 */
final class Parallelism implements AutoCloseable {
    private final WorkerEnv env;
    private final ZeroSettings zero;
    private final Rendezvous.Joined joined;
    private final Collective collective;
    private final Duration timeout;
    private AdamW singleOptimizer;

    private Parallelism(WorkerEnv env, ZeroSettings zero, Rendezvous.Joined joined, Collective collective,
            Duration timeout) {
        this.env = env;
        this.zero = zero;
        this.joined = joined;
        this.collective = collective;
        this.timeout = timeout;
    }

    /** Joins the run (when there is one) and connects the collective backend for {@code device}. */
    static Parallelism start(TrainConfig c, WorkerEnv env, Device device, PrintStream out) throws IOException {
        ZeroSettings zero = zeroSettings(c, env.worldSize());
        Duration timeout = Duration.ofSeconds(c.dist().initTimeoutSeconds());
        boolean zeroAsked = c.dist().zeroStage().isPresent() || c.dist().deepspeed().isPresent();
        if (!env.distributed() && !zeroAsked) {
            return new Parallelism(env, zero, null, null, timeout);
        }
        WorkerEnv.exitWithLauncher(System.getenv());
        Rendezvous.Joined joined = Rendezvous.join(env.masterAddr(), env.masterPort(), env.runId(), env.rank(),
                env.worldSize(), timeout);
        boolean gpu = device.isGpu();
        DistConfig.Backend backend = c.dist().backend();
        Collective collective;
        try {
            if (backend == DistConfig.Backend.NCCL || (backend == DistConfig.Backend.AUTO && gpu)) {
                if (!gpu) {
                    throw new IllegalArgumentException("dist_backend \"nccl\" needs a CUDA device; this rank computes on "
                            + device + " (use \"tcp\" on CPU)");
                }
                collective = NcclCollective.connect(joined.store(), env.rank(), env.worldSize(), device.getDeviceId(),
                        timeout);
            } else {
                collective = TcpRingCollective.connect(joined.store(), env.runId(), env.rank(), env.worldSize(),
                        timeout);
            }
        } catch (RuntimeException e) {
            joined.close();
            throw e;
        }
        out.printf("distributed: rank %d of %d, ZeRO stage %d, %s backend%n", env.rank(), env.worldSize(),
                zero.stage(), collective instanceof NcclCollective ? "nccl" : "tcp");
        return new Parallelism(env, zero, joined, collective, timeout);
    }

    /** zero_stage and the DeepSpeed JSON, with every setting the JSON shares with the train config checked. */
    static ZeroSettings zeroSettings(TrainConfig c, int worldSize) throws IOException {
        OptionalInt stage = c.dist().zeroStage();
        if (c.dist().deepspeed().isEmpty()) {
            return ZeroSettings.defaults(stage.orElse(0));
        }
        String file = c.dist().deepspeed().get().toString();
        DeepSpeedConfig ds = DeepSpeedConfig.read(c.dist().deepspeed().get());
        if (stage.isPresent() && stage.getAsInt() != ds.zero().stage()) {
            throw new IllegalArgumentException("zero_stage " + stage.getAsInt() + " but " + file + " says stage "
                    + ds.zero().stage() + "; set one of them");
        }
        agree(file, "train_micro_batch_size_per_gpu", ds.microBatch(), c.schedule().perDeviceTrainBatchSize(),
                "per_device_train_batch_size");
        agree(file, "gradient_accumulation_steps", ds.accumulation(), c.schedule().gradientAccumulationSteps(),
                "gradient_accumulation_steps");
        agree(file, "train_batch_size", ds.trainBatch(), (long) c.schedule().perDeviceTrainBatchSize()
                * c.schedule().gradientAccumulationSteps() * worldSize, "per_device_train_batch_size x"
                + " gradient_accumulation_steps x world size");
        if (ds.gradientClipping().isPresent() && ds.gradientClipping().getAsDouble() != c.optim().maxGradNorm()) {
            throw new IllegalArgumentException(file + ": gradient_clipping " + ds.gradientClipping().getAsDouble()
                    + " but max_grad_norm is " + c.optim().maxGradNorm() + "; make them agree or use \"auto\"");
        }
        return ds.zero();
    }

    private static void agree(String file, String key, java.util.OptionalLong theirs, long ours, String ourKey) {
        if (theirs.isPresent() && theirs.getAsLong() != ours) {
            throw new IllegalArgumentException(file + ": " + key + " " + theirs.getAsLong() + " but the train config"
                    + " gives " + ourKey + " = " + ours + "; make them agree or use \"auto\"");
        }
    }

    int rank() {
        return env.rank();
    }

    int worldSize() {
        return env.worldSize();
    }

    /** Rank 0 logs and saves; the others compute the same run quietly. */
    boolean main() {
        return env.rank() == 0;
    }

    /** The strategy for these parameters: one device, DDP, or ZeRO-1/2/3. */
    ParallelStrategy strategy(List<Parameter> trainable, Map<String, NDArray> tensors, int numLayers,
            AdamW.Settings adam, NDManager root, Device device) {
        if (collective == null) {
            singleOptimizer = new AdamW(trainable, adam, root);
            return new SingleDevice(singleOptimizer);
        }
        if (zero.stage() == 0) {
            return new Ddp(collective, trainable, tensors, adam, zero, root, device);
        }
        return new ZeroStrategy(collective, zero, trainable, tensors, numLayers, adam, root, device);
    }

    /** Makes the model's tensors whole on every rank (stage 3 gathers them), e.g. to save the final model. */
    static void gatherWhole(ParallelStrategy strategy) {
        if (strategy instanceof ZeroStrategy z && z.stage() == 3) {
            z.gatherAll();
        }
    }

    /** Waits until every rank got here (rank 0 hosts the store: it must not leave while others still need it). */
    void barrier(String name) {
        if (joined != null) {
            joined.store().barrier(name, timeout);
        }
    }

    @Override
    public void close() {
        if (singleOptimizer != null) {
            singleOptimizer.close();
        }
        if (collective != null) {
            collective.close();
        }
        if (joined != null) {
            joined.close();
        }
    }
}
