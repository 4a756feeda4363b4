package dev.mft.data.batch;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Rows of examples (one example each, or packed) into batches, in a seeded order per epoch, sharded across ranks:
 * batches are collated lazily so an epoch never holds more than one batch of padded arrays.
 */
public final class DataLoader {

    private final List<List<TokenizedExample>> rows;
    private final PaddingCollator collator;
    private final int batchSize;
    private final boolean dropLast;
    private final EpochOrder order;
    private final RankShard shard;

    /** One example per row, one rank. */
    public DataLoader(List<TokenizedExample> examples, PaddingCollator collator, int batchSize,
            long seed, boolean shuffle, boolean dropLast) {
        this(PaddingCollator.singletons(examples), collator, batchSize, seed, shuffle, dropLast, RankShard.SINGLE);
    }

    /**
     * @param rows the rows of the data set ({@link Packing#greedy} for packed data)
     * @param dropLast skip the final batch of an epoch when it has fewer than batchSize rows
     * @param shard which rank's share of each epoch to visit
     */
    public DataLoader(List<List<TokenizedExample>> rows, PaddingCollator collator, int batchSize, long seed,
            boolean shuffle, boolean dropLast, RankShard shard) {
        this.rows = List.copyOf(Objects.requireNonNull(rows, "rows"));
        this.collator = Objects.requireNonNull(collator, "collator");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + "; expected >= 1");
        }
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.order = new EpochOrder(rows.size(), seed, shuffle);
        this.shard = Objects.requireNonNull(shard, "shard");
    }

    public int batchesPerEpoch() {
        int n = shard.size(rows.size());
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The batches of {@code epoch} (0-based) for this rank, collated lazily. */
    public Iterator<Batch> epoch(int epoch) {
        int[] indices = shard.of(order.order(epoch));
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
                List<List<TokenizedExample>> batch = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    batch.add(rows.get(indices[i]));
                }
                next++;
                return collator.collateRows(batch);
            }
        };
    }
}
