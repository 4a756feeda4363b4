package dev.mft.data.batch;

/**
 * The rows one rank of a data-parallel run visits in an epoch: the epoch's seeded order ({@link EpochOrder}), padded
 * by wrapping around to a multiple of the world size, then every {@code worldSize}-th entry from {@code rank} (as
 * torch's DistributedSampler). Every rank computes the same order from (seed, epoch) alone, so the shards are
 * disjoint and together cover every row, without any communication.
 */
public record RankShard(int rank, int worldSize) {

    /** The whole data set: rank 0 of 1. */
    public static final RankShard SINGLE = new RankShard(0, 1);

    public RankShard {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " of world size " + worldSize
                    + "; expected 0 <= rank < world size");
        }
    }

    /** This rank's share of {@code order}: ceil(n / worldSize) indices. */
    public int[] of(int[] order) {
        int n = order.length;
        int perRank = size(n);
        int[] mine = new int[perRank];
        for (int i = 0; i < perRank; i++) {
            mine[i] = order[(int) ((rank + (long) i * worldSize) % n)]; // wraps around to pad the last round
        }
        return mine;
    }

    /** Rows per rank for a data set of {@code n} rows. */
    public int size(int n) {
        return n == 0 ? 0 : (n + worldSize - 1) / worldSize;
    }
}
