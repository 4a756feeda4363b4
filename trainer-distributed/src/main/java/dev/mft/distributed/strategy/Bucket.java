package dev.mft.distributed.strategy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import dev.mft.distributed.collective.Collective;
import dev.mft.distributed.collective.ReduceOp;
import java.util.ArrayList;
import java.util.List;

/**
 * A few of the model's tensors (same dtype, all trainable or all frozen) that communicate as one flat buffer. The
 * model's tensors become views of that buffer (libtorch {@code set_}), so collectives work in place and the model,
 * its layers and autograd never notice: parameters can live in a persistent flat buffer (stages 0-2), or only as this
 * rank's shard and be gathered for a moment (stage 3); gradients can be views of a persistent buffer (stages 0-1) or
 * of one that exists only around a layer's backward (stages 2-3).
 */
final class Bucket {
    /** A tensor of the model and whether AdamW's weight decay applies to it. */
    record Entry(String name, NDArray tensor, boolean decay) {}

    private final List<Entry> entries;
    private final long[][] shapes;
    private final FlatLayout layout;
    private final int rank;
    private final boolean trainable;
    private final TorchDType dtype;
    private final NDManager manager;
    private final TorchShim shim = TorchShim.get();

    private NDArray paramFlat;
    private NDManager paramScope;
    private NDArray paramShard;
    private Collective.Pending gathering;
    private NDArray gradFlat;
    private NDManager gradScope;
    private NDArray gradShard;

    Bucket(List<Entry> entries, boolean trainable, int rank, int worldSize, NDManager manager) {
        this.entries = List.copyOf(entries);
        this.trainable = trainable;
        this.rank = rank;
        this.manager = manager;
        this.shapes = new long[entries.size()][];
        long[] numels = new long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            // DJL caches shapes: read them now, while the tensors are whole (stage 3 empties them later)
            shapes[i] = entries.get(i).tensor().getShape().getShape();
            numels[i] = entries.get(i).tensor().size();
            entries.get(i).tensor().getDataType();
        }
        this.layout = FlatLayout.of(numels, worldSize);
        this.dtype = shim.dtypeOf(entries.get(0).tensor());
    }

    List<Entry> entries() {
        return entries;
    }

    FlatLayout layout() {
        return layout;
    }

    long[] shape(int i) {
        return shapes[i].clone();
    }

    boolean trainable() {
        return trainable;
    }

    long elements() {
        return layout.total();
    }

    NDArray paramShard() {
        return paramShard;
    }

    NDArray gradShard() {
        return gradShard;
    }

    // ---- parameters ----

    /** Moves the tensors into one persistent flat buffer; this rank's shard is a view of it (stages 0-2). */
    void flattenParams() {
        paramFlat = zeros(manager, layout.padded());
        try (NDManager s = manager.newSubManager(); Autograd.NoGrad ng = Autograd.noGrad()) {
            for (int i = 0; i < entries.size(); i++) {
                NDArray v = view(paramFlat, layout.offsets()[i], layout.numels()[i], shapes[i], s);
                shim.copyInto(v, entries.get(i).tensor());
                shim.setStorage(entries.get(i).tensor(), v);
            }
        }
        paramShard = longLived(chunk(paramFlat, rank, manager));
    }

    /** Keeps only this rank's shard of the values and empties the tensors (stage 3). */
    void shardParams() {
        paramShard = zeros(manager, layout.shardSize());
        try (NDManager s = manager.newSubManager(); Autograd.NoGrad ng = Autograd.noGrad()) {
            for (FlatLayout.Segment seg : layout.segments(rank)) {
                NDArray whole = entries.get(seg.tensor()).tensor().reshape(-1);
                whole.attach(s); // not on the tensor's long-lived manager
                NDArray src = view(whole, seg.tensorOffset(), seg.length(), null, s);
                shim.copyInto(view(paramShard, seg.shardOffset(), seg.length(), null, s), src);
            }
            for (Entry e : entries) {
                shim.releaseStorage(e.tensor());
            }
        }
    }

    /** Starts gathering the full values from every rank's shard (stage 3); {@link #bindParams} waits for it. */
    void startGather(Collective c) {
        if (paramFlat != null || gathering != null) {
            return;
        }
        paramScope = manager.newSubManager();
        NDArray flat = zeros(paramScope, layout.padded());
        paramFlat = flat;
        gathering = c.allGatherAsync(paramShard, flat);
    }

    /** Makes the tensors views of the gathered buffer. */
    void bindParams(Collective c) {
        startGather(c);
        if (gathering == null) {
            return;
        }
        gathering.await();
        gathering = null;
        try (NDManager s = manager.newSubManager(); Autograd.NoGrad ng = Autograd.noGrad()) {
            for (int i = 0; i < entries.size(); i++) {
                shim.setStorage(entries.get(i).tensor(),
                        view(paramFlat, layout.offsets()[i], layout.numels()[i], shapes[i], s));
            }
        }
    }

    /** Empties the tensors again and drops the gathered buffer (stage 3). */
    void releaseParams() {
        if (gathering != null) {
            gathering.await();
            gathering = null;
        }
        try (Autograd.NoGrad ng = Autograd.noGrad()) {
            for (Entry e : entries) {
                shim.releaseStorage(e.tensor());
            }
        }
        if (paramScope != null) {
            paramScope.close();
            paramScope = null;
        }
        paramFlat = null;
    }

    /** After AdamW updated this rank's shard in place: every rank's shard into every rank's flat buffer (stages 1-2). */
    void allGatherParams(Collective c) {
        c.allGather(paramShard, paramFlat);
    }

    // ---- gradients ----

    /** Allocates a zeroed flat gradient buffer and makes every tensor's {@code .grad} a view of it. */
    void materializeGrads() {
        gradScope = manager.newSubManager();
        gradFlat = zeros(gradScope, layout.padded());
        try (NDManager s = manager.newSubManager(); Autograd.NoGrad ng = Autograd.noGrad()) {
            for (int i = 0; i < entries.size(); i++) {
                shim.setStorage(grad(i, s), view(gradFlat, layout.offsets()[i], layout.numels()[i], shapes[i], s));
            }
        }
    }

    /** Empties every tensor's {@code .grad} and drops the flat gradient buffer. */
    void releaseGrads() {
        try (NDManager s = manager.newSubManager(); Autograd.NoGrad ng = Autograd.noGrad()) {
            for (int i = 0; i < entries.size(); i++) {
                shim.releaseStorage(grad(i, s));
            }
        }
        if (gradScope != null) {
            gradScope.close(); // the storage goes once no .grad views it any more
            gradScope = null;
        }
        gradFlat = null;
    }

    /** Stages 0-1: the gradient buffer stays; stage 1's shard is a view of its chunk (reduce-scattered in place). */
    void persistentGrads(boolean shardView) {
        materializeGrads();
        if (shardView) {
            gradShard = longLived(chunk(gradFlat, rank, gradScope));
        }
    }

    /** Stages 2-3: this rank's gradient shard, accumulated over the step's micro-batches. */
    void allocateGradShard() {
        gradShard = zeros(manager, layout.shardSize());
    }

    /** DDP: sums the full gradients over ranks in place. */
    void allReduceGrads(Collective c) {
        c.allReduce(gradFlat, ReduceOp.SUM);
    }

    /** Stage 1: sums this rank's chunk of the gradients over ranks, in place. */
    void reduceScatterGradsInPlace(Collective c) {
        c.reduceScatter(gradFlat, gradShard, ReduceOp.SUM);
    }

    /** Stages 2-3: reduce-scatters the micro-batch's gradients, adds this rank's chunk to the shard, frees the rest. */
    void reduceGradsIntoShard(Collective c) {
        try (NDManager s = manager.newSubManager()) {
            NDArray mine = chunk(gradFlat, rank, s);
            c.reduceScatter(gradFlat, mine, ReduceOp.SUM);
            try (Autograd.NoGrad ng = Autograd.noGrad()) {
                gradShard.addi(mine);
            }
        }
        releaseGrads();
    }

    /** Zeroes the gradients (the whole buffer where it persists, else the shard). */
    void zeroGrads() {
        shim.zero(gradFlat != null ? gradFlat : gradShard);
    }

    /** The tensor's current {@code .grad} handle (defined: the strategy ran a first backward to create it). */
    private NDArray grad(int i, NDManager s) {
        NDArray g = Autograd.gradient(entries.get(i).tensor(), s);
        if (g == null) {
            throw new IllegalStateException(entries.get(i).name() + " has no gradient tensor to bind");
        }
        return g;
    }

    // ---- helpers ----

    /** Everything this bucket holds right now, for memory accounting. */
    List<NDArray> paramBuffers() {
        List<NDArray> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.tensor()));
        if (paramShard != null) {
            out.add(paramShard);
        }
        if (paramFlat != null) {
            out.add(paramFlat);
        }
        return out;
    }

    List<NDArray> gradBuffers(NDManager s) {
        List<NDArray> out = new ArrayList<>();
        if (!trainable) {
            return out;
        }
        for (int i = 0; i < entries.size(); i++) {
            NDArray g = Autograd.gradient(entries.get(i).tensor(), s);
            if (g != null) {
                out.add(g);
            }
        }
        if (gradShard != null) {
            out.add(gradShard);
        }
        return out;
    }

    private NDArray chunk(NDArray flat, int r, NDManager scope) {
        return view(flat, layout.shardStart(r), layout.shardSize(), null, scope);
    }

    /** A view of {@code length} elements at {@code offset}, reshaped when {@code shape} is given, owned by scope. */
    private static NDArray view(NDArray flat, long offset, long length, long[] shape, NDManager scope) {
        NDArray v = flat.get(new NDIndex(offset + ":" + (offset + length)));
        v.attach(scope);
        if (shape != null) {
            v = v.reshape(new Shape(shape));
            v.attach(scope);
        }
        return v;
    }

    private NDArray longLived(NDArray a) {
        a.attach(manager);
        return a;
    }

    private NDArray zeros(NDManager m, long n) {
        DataType t = dataType();
        if (t != DataType.UNKNOWN) {
            return m.zeros(new Shape(n), t);
        }
        NDArray f32 = m.zeros(new Shape(n)); // bf16: DJL cannot name it, so make fp32 zeros and cast in libtorch
        NDArray out = shim.cast(f32, dtype);
        f32.close();
        return out;
    }

    private DataType dataType() {
        return entries.get(0).tensor().getDataType();
    }
}
