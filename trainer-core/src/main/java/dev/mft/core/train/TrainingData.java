package dev.mft.core.train;

import java.util.List;

/** The micro-batches of each epoch, in the order they are trained (the data side decides shuffling by seed+epoch). */
public interface TrainingData {
    /** Micro-batches per epoch (per rank). */
    int batchesPerEpoch();

    /** The micro-batches of epoch {@code epoch} (0-based), deterministic for a seed. */
    List<TokenBatch> epoch(int epoch);

    /** The same micro-batches, in the same order, every epoch. */
    static TrainingData repeating(List<TokenBatch> batches) {
        List<TokenBatch> fixed = List.copyOf(batches);
        return new TrainingData() {
            @Override
            public int batchesPerEpoch() {
                return fixed.size();
            }

            @Override
            public List<TokenBatch> epoch(int epoch) {
                return fixed;
            }
        };
    }
}
