package dev.mft.data.batch;

import java.util.Random;

/**
 * The order examples are visited in each epoch: a permutation fixed by (seed, epoch) alone, so a
 * resumed run and every rank see the same order.
 *
 * <p>Uses {@link java.util.Random}, whose algorithm the JDK specifies, so orders do not change
 * between Java versions.
 */
public final class EpochOrder {

    private final int size;
    private final long seed;
    private final boolean shuffle;

    /** @param shuffle false keeps the data order every epoch */
    public EpochOrder(int size, long seed, boolean shuffle) {
        if (size < 0) {
            throw new IllegalArgumentException("dataset size " + size + "; expected >= 0");
        }
        this.size = size;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /** Example indices for {@code epoch} (0-based), a permutation of 0..size-1. */
    public int[] order(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch " + epoch + "; expected >= 0");
        }
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        if (shuffle) {
            // mix seed and epoch so that (seed, epoch + 1) and (seed + 1, epoch) differ
            Random random = new Random(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = size - 1; i > 0; i--) { // Fisher-Yates
                int j = random.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
        return order;
    }
}
