package dev.mft.data.batch;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/** Batches of an epoch in the seeded {@link EpochOrder}, padded by a {@link PaddingCollator}. */
public final class DataLoader {

    private final List<TokenizedExample> examples;
    private final PaddingCollator collator;
    private final int batchSize;
    private final boolean dropLast;
    private final EpochOrder order;

    /**
     * @param dropLast skip the final batch of an epoch when it has fewer than batchSize examples
     */
    public DataLoader(List<TokenizedExample> examples, PaddingCollator collator, int batchSize,
            long seed, boolean shuffle, boolean dropLast) {
        this.examples = List.copyOf(Objects.requireNonNull(examples, "examples"));
        this.collator = Objects.requireNonNull(collator, "collator");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + "; expected >= 1");
        }
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.order = new EpochOrder(examples.size(), seed, shuffle);
    }

    public int batchesPerEpoch() {
        return dropLast ? examples.size() / batchSize : (examples.size() + batchSize - 1) / batchSize;
    }

    /** The batches of {@code epoch} (0-based), collated lazily. */
    public Iterator<Batch> epoch(int epoch) {
        int[] indices = order.order(epoch);
        int batches = batchesPerEpoch();
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("epoch " + epoch + " has " + batches + " batches");
                }
                int from = next * batchSize;
                int to = Math.min(from + batchSize, indices.length);
                List<TokenizedExample> rows = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    rows.add(examples.get(indices[i]));
                }
                next++;
                return collator.collate(rows);
            }
        };
    }
}
