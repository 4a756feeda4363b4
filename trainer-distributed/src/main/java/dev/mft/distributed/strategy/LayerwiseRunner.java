package dev.mft.distributed.strategy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.tensor.Autograd;
import dev.mft.distributed.collective.Collective;
import java.util.ArrayList;
import java.util.List;

/**
 * Forward and backward of one micro-batch one piece at a time (embedding, each decoder layer, head), so ZeRO-2/3 can
 * act between pieces. Each layer's input is a fresh autograd leaf: the loss's backward stops at the head's input, and
 * {@link #backward} continues layer by layer from the gradient that reached each layer's output, reducing that
 * layer's gradients into the shard as soon as they are complete and freeing them.
 *
 * <p>Stage 3 runs the forward layers without a graph, keeping only each layer's input (activation checkpointing), and
 * recomputes a layer just before its backward: its weights must be gathered for both, and are released in between,
 * which an autograd graph holding them from the forward would not allow.
 */
final class LayerwiseRunner {
    private final ModulePlan plan;
    private final boolean stage3;
    private final Collective collective;
    private final long prefetchElements;
    private Runnable betweenLayers = () -> { };

    // the micro-batch in flight
    private LlamaModel model;
    private NDArray inputIds;
    private NDArray[] cosSin;
    private boolean tied;
    private NDArray embedOut;
    private NDArray headInput;
    private final List<NDArray> layerInputs = new ArrayList<>();
    private final List<NDArray> layerOutputs = new ArrayList<>();

    LayerwiseRunner(ModulePlan plan, boolean stage3, Collective collective, long prefetchElements) {
        this.plan = plan;
        this.stage3 = stage3;
        this.collective = collective;
        this.prefetchElements = prefetchElements;
    }

    void onBetweenLayers(Runnable probe) {
        this.betweenLayers = probe;
    }

    NDArray forward(LlamaModel m, NDArray ids, NDArray positionIds, int maxPosition) {
        model = m;
        inputIds = ids;
        tied = m.config().tieWordEmbeddings();
        cosSin = m.rope(positionIds, maxPosition);
        layerInputs.clear();
        layerOutputs.clear();
        materializeGrads(plan.other()); // whatever no piece claims is whole and may be used anywhere
        NDArray x;
        if (stage3) {
            try (Autograd.NoGrad ng = Autograd.noGrad()) {
                acquire(plan.embed(), null);
                x = m.embed(ids); // [B, T, H]
                release(plan.embed());
                for (int i = 0; i < m.numLayers(); i++) {
                    acquire(plan.layer(i), i + 1 < m.numLayers() ? plan.layer(i + 1) : plan.head());
                    layerInputs.add(x); // the activation checkpoint the backward recomputes from
                    x = m.layer(i, x, cosSin);
                    release(plan.layer(i));
                    betweenLayers.run();
                }
            }
            acquire(plan.head(), null);
            if (tied) {
                acquire(plan.embed(), null);
            }
        } else {
            embedOut = m.embed(ids);
            x = embedOut;
            for (int i = 0; i < m.numLayers(); i++) {
                NDArray in = leaf(x);
                layerInputs.add(in);
                x = m.layer(i, in, cosSin);
                layerOutputs.add(x);
                betweenLayers.run();
            }
        }
        materializeGrads(plan.head());
        if (tied) {
            materializeGrads(plan.embed()); // the head adds to the embedding's gradient too
        }
        headInput = leaf(x);
        return m.head(headInput); // [B, T, V]
    }

    /** After the loss's backward reached the head's input: the rest of the backward, one layer at a time. */
    void backward(NDManager scratch) {
        reduceGrads(plan.head());
        if (stage3) {
            release(plan.head());
            if (tied) {
                release(plan.embed());
            }
        }
        NDArray upstream = Autograd.gradient(headInput, scratch); // [B, T, H]
        for (int i = model.numLayers() - 1; i >= 0; i--) {
            ModulePlan.Module layer = plan.layer(i);
            if (stage3) {
                acquire(layer, i > 0 ? plan.layer(i - 1) : plan.embed());
            }
            materializeGrads(layer);
            NDArray in;
            NDArray out;
            if (stage3) {
                in = leaf(layerInputs.get(i));
                out = model.layer(i, in, cosSin); // recompute with a graph, weights gathered again
            } else {
                in = layerInputs.get(i);
                out = layerOutputs.get(i);
            }
            Autograd.backward(out, upstream);
            upstream = Autograd.gradient(in, scratch);
            reduceGrads(layer);
            if (stage3) {
                release(layer);
            }
            betweenLayers.run();
        }
        if (!tied) {
            materializeGrads(plan.embed());
        }
        if (stage3) {
            acquire(plan.embed(), null);
            embedOut = model.embed(inputIds);
        }
        // a frozen embedding (LoRA) ends the backward at the first layer (DJL's hasGradient() cannot tell: it reports
        // false for every non-leaf result)
        if (plan.embed().all().stream().anyMatch(Bucket::trainable)) {
            Autograd.backward(embedOut, upstream);
        }
        reduceGrads(plan.embed());
        if (stage3) {
            release(plan.embed());
        }
        reduceGrads(plan.other());
        model = null;
        inputIds = null;
        embedOut = null;
        headInput = null;
        layerInputs.clear();
        layerOutputs.clear();
    }

    private static NDArray leaf(NDArray x) {
        NDArray l = x.stopGradient(); // shares memory; the graph before it is cut here
        l.setRequiresGradient(true);
        return l;
    }

    /** Gathers {@code m}'s weights (waiting for them), with {@code next}'s gather queued behind (prefetch). */
    private void acquire(ModulePlan.Module m, ModulePlan.Module next) {
        m.partitioned().forEach(b -> b.startGather(collective));
        if (next != null) {
            prefetch(next);
        }
        m.partitioned().forEach(b -> b.bindParams(collective));
    }

    private void prefetch(ModulePlan.Module m) {
        long elements = m.partitioned().stream().mapToLong(Bucket::elements).sum();
        if (elements > 0 && elements <= prefetchElements) {
            m.partitioned().forEach(b -> b.startGather(collective));
        }
    }

    private void release(ModulePlan.Module m) {
        m.partitioned().forEach(Bucket::releaseParams);
    }

    private static void materializeGrads(ModulePlan.Module m) {
        for (Bucket b : m.all()) {
            if (b.trainable()) {
                b.materializeGrads();
            }
        }
    }

    private void reduceGrads(ModulePlan.Module m) {
        for (Bucket b : m.all()) {
            if (b.trainable()) {
                b.reduceGradsIntoShard(collective);
            }
        }
    }
}
