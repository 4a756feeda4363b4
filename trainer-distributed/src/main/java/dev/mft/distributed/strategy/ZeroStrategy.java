package dev.mft.distributed.strategy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.Autograd;
import dev.mft.distributed.collective.Collective;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * ZeRO stages 1-3 (Rajbhandari et al., 2020; DeepSpeed's semantics). Each trainable bucket is split evenly across
 * ranks; rank r runs AdamW only on its shard (stage 1: 1/N of the optimizer state). Stage 2 also reduce-scatters each
 * layer's gradients right after that layer's backward and keeps only its shard (1/N of the gradients). Stage 3 also
 * keeps only a shard of the parameters and gathers each layer's weights just before its forward, and again before
 * its backward, freeing them after (1/N of the parameters, plus the layer in use and the one being prefetched).
 */
public final class ZeroStrategy extends RankedStrategy {
    private final int stage;
    private final ModulePlan plan;
    private final AdamW optimizer;
    private final LayerwiseRunner runner;
    private final Map<String, NDArray> tensors;

    /**
     * @param trainable the parameters to train (all of them, or LoRA's adapters)
     * @param tensors every tensor the model uses, by name (frozen ones are partitioned too in stage 3)
     */
    public ZeroStrategy(Collective collective, ZeroSettings settings, List<Parameter> trainable,
            Map<String, NDArray> tensors, int numLayers, AdamW.Settings adam, NDManager parent, Device device) {
        super(collective, parent, device);
        if (settings.stage() < 1) {
            throw new IllegalArgumentException("ZeroStrategy runs stages 1-3; stage 0 is Ddp");
        }
        this.stage = settings.stage();
        this.tensors = tensors;
        Gradients.define(trainable, manager); // while the tensors are still whole
        this.plan = ModulePlan.build(trainable, tensors, settings, numLayers, collective.rank(),
                collective.worldSize(), manager);
        for (ModulePlan.Module m : plan.modules()) {
            m.whole().forEach(Bucket::flattenParams);
            m.partitioned().forEach(Bucket::shardParams);
        }
        for (Bucket b : plan.trainableBuckets()) {
            if (stage == 1) {
                b.persistentGrads(true);
            } else {
                b.releaseGrads(); // from here on a layer's gradients exist only around its backward
                b.allocateGradShard();
            }
        }
        this.optimizer = shardOptimizer(adam);
        this.runner = stage == 1 ? null : new LayerwiseRunner(plan, stage == 3, collective, settings.prefetchElements());
    }

    /** AdamW over this rank's pieces of every trainable tensor, with the reduced gradient shard as gradients. */
    private AdamW shardOptimizer(AdamW.Settings adam) {
        List<Parameter> pieces = new ArrayList<>();
        Map<NDArray, NDArray> gradOf = new IdentityHashMap<>();
        for (Bucket b : plan.trainableBuckets()) {
            for (FlatLayout.Segment seg : b.layout().segments(collective.rank())) {
                Bucket.Entry e = b.entries().get(seg.tensor());
                NDArray p = slice(b.paramShard(), seg.shardOffset(), seg.length());
                gradOf.put(p, slice(b.gradShard(), seg.shardOffset(), seg.length()));
                pieces.add(new Parameter(e.name() + "@" + seg.tensorOffset(), p, e.decay()));
            }
        }
        return new AdamW(pieces, adam, manager, (p, scratch) -> gradOf.get(p.array()));
    }

    private NDArray slice(NDArray shard, long offset, long length) {
        NDArray v = shard.get(new NDIndex(offset + ":" + (offset + length)));
        v.attach(manager);
        return v;
    }

    @Override
    public boolean collectivesPerMicroBatch() {
        return stage >= 2;
    }

    @Override
    public NDArray forward(LlamaModel model, NDArray inputIds, NDArray positionIds, int maxPosition,
            NDArray sampleIds) {
        if (runner == null) {
            return model.forward(inputIds, positionIds, maxPosition, sampleIds);
        }
        if (sampleIds != null) {
            throw new IllegalArgumentException("padding_mode \"pack\" with zero_stage " + stage + " is not supported yet"
                    + " (its layer-by-layer pass has no packed attention mask); use zero_stage 0 or 1, or"
                    + " padding_mode \"padding\"");
        }
        return runner.forward(model, inputIds, positionIds, maxPosition);
    }

    @Override
    public void afterBackward(NDManager scratch) {
        if (runner != null) {
            runner.backward(scratch);
        }
    }

    @Override
    public double gradientNorm(NDManager scratch) {
        if (stage == 1) {
            plan.trainableBuckets().forEach(b -> b.reduceScatterGradsInPlace(collective));
        }
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            double local = GradientClipper.sumOfSquares( // this rank's shards, one host read
                    plan.trainableBuckets().stream().map(Bucket::gradShard).toList(), scratch);
            return Math.sqrt(sumOverRanks(local)); // the padding's gradients are 0: they add nothing
        }
    }

    @Override
    public void optimizerStep(double lr, double gradScale, NDManager scratch) {
        optimizer.step(lr, gradScale, scratch);
        publishShards();
    }

    /**
     * Copies every rank's parameter shard into every rank's whole buckets (after AdamW, or after a checkpoint
     * restored the shards); stage 3's partitioned buckets need nothing: their shard is all there is.
     */
    public void publishShards() {
        for (ModulePlan.Module m : plan.modules()) {
            for (Bucket b : m.whole()) {
                if (b.trainable()) {
                    b.allGatherParams(collective); // every rank's updated shard into every rank's full copy
                }
            }
        }
    }

    @Override
    public void zeroGrad() {
        plan.trainableBuckets().forEach(Bucket::zeroGrads);
    }

    /** AdamW over this rank's shard; parameter names are {@code <tensor>@<first element>}. */
    public AdamW optimizer() {
        return optimizer;
    }

    public int stage() {
        return stage;
    }

    /** Name and shape of every trainable tensor, in order (what a checkpoint's slices reassemble into). */
    public Map<String, long[]> trainableShapes() {
        Map<String, long[]> out = new java.util.LinkedHashMap<>();
        for (Bucket b : plan.trainableBuckets()) {
            for (int i = 0; i < b.entries().size(); i++) {
                out.put(b.entries().get(i).name(), b.shape(i));
            }
        }
        return out;
    }

    /** Called between layers of a stage-2/3 forward and backward, after the previous layer was released. */
    public void onBetweenLayers(Runnable probe) {
        if (runner != null) {
            runner.onBetweenLayers(probe);
        }
    }

    /**
     * Stage 3: gathers every partitioned tensor so the model is whole (to save it), then {@link #repartition}
     * empties them again. Stages 1-2 are always whole.
     */
    public void gatherAll() {
        for (ModulePlan.Module m : plan.modules()) {
            m.partitioned().forEach(b -> b.bindParams(collective));
        }
    }

    @Override
    public void beforeEvaluation() {
        if (stage == 3) {
            gatherAll();
        }
    }

    @Override
    public void afterEvaluation() {
        if (stage == 3) {
            repartition();
        }
    }

    /** Undoes {@link #gatherAll}. */
    public void repartition() {
        for (ModulePlan.Module m : plan.modules()) {
            m.partitioned().forEach(Bucket::releaseParams);
        }
    }

    /** What this rank holds now: each storage counted once. */
    public MemoryReport memory() {
        try (NDManager s = manager.newSubManager()) {
            List<NDArray> params = new ArrayList<>(tensors.values());
            List<NDArray> grads = new ArrayList<>();
            for (Bucket b : plan.buckets()) {
                params.addAll(b.paramBuffers());
                grads.addAll(b.gradBuffers(s));
            }
            return new MemoryReport(MemoryReport.distinctBytes(params), MemoryReport.distinctBytes(grads),
                    optimizerBytes(optimizer));
        }
    }

    static long optimizerBytes(AdamW optimizer) {
        List<NDArray> state = new ArrayList<>();
        for (int i = 0; i < optimizer.parameters().size(); i++) {
            state.add(optimizer.firstMoment(i));
            state.add(optimizer.secondMoment(i));
        }
        return MemoryReport.distinctBytes(state);
    }

    @Override
    public void close() {
        optimizer.close();
        manager.close();
    }
}
