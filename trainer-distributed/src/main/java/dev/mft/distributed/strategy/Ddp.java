package dev.mft.distributed.strategy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;
import dev.mft.core.optim.Parameter;
import dev.mft.distributed.collective.Collective;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ZeRO stage 0, i.e. DDP: every rank holds everything; gradients are views of flat buckets, summed over ranks in
 * place once per optimizer step (after the last micro-batch, so accumulation costs no extra communication); then
 * every rank measures the same global norm and steps AdamW identically, the clip factor applied inside the update
 * (no pass over the gradients of its own), as on one device.
 */
public final class Ddp extends RankedStrategy {
    private final AdamW optimizer;
    private final List<Bucket> buckets;
    private final Map<String, NDArray> tensors;

    public Ddp(Collective collective, List<Parameter> trainable, Map<String, NDArray> tensors, AdamW.Settings adam,
            ZeroSettings settings, NDManager parent, Device device) {
        super(collective, parent, device);
        this.tensors = tensors;
        Gradients.define(trainable, manager);
        this.buckets = ModulePlan.build(trainable, tensors, settings.withStage(0), 0, collective.rank(),
                collective.worldSize(), manager).buckets();
        buckets.forEach(b -> b.persistentGrads(false));
        this.optimizer = new AdamW(trainable, adam, manager);
    }

    @Override
    public double gradientNorm(NDManager scratch) {
        buckets.forEach(b -> b.allReduceGrads(collective));
        return GradientClipper.norm(optimizer.parameters(), scratch); // identical gradients: identical norm
    }

    @Override
    public void optimizerStep(double lr, double gradScale, NDManager scratch) {
        optimizer.step(lr, gradScale, scratch);
    }

    @Override
    public void zeroGrad() {
        buckets.forEach(Bucket::zeroGrads);
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** What this rank holds now. */
    public MemoryReport memory() {
        try (NDManager s = manager.newSubManager()) {
            List<NDArray> params = new ArrayList<>(tensors.values());
            optimizer.parameters().forEach(p -> params.add(p.array()));
            List<NDArray> grads = new ArrayList<>();
            buckets.forEach(b -> grads.addAll(b.gradBuffers(s)));
            return new MemoryReport(MemoryReport.distinctBytes(params), MemoryReport.distinctBytes(grads),
                    ZeroStrategy.optimizerBytes(optimizer));
        }
    }

    @Override
    public void close() {
        optimizer.close();
        manager.close();
    }
}
