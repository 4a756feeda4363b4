package dev.mft.distributed.strategy;

import java.util.ArrayList;
import java.util.List;

/**
 * Tensors laid end to end in one flat buffer, padded to a multiple of the world size so that every rank owns an equal,
 * contiguous shard: rank r owns elements [r * shardSize, (r + 1) * shardSize). The padding belongs to no tensor.
 */
record FlatLayout(long[] numels, long[] offsets, long total, long padded, int worldSize) {

    /** One tensor's part of a rank's shard. */
    record Segment(int tensor, long tensorOffset, long shardOffset, long length) {}

    static FlatLayout of(long[] numels, int worldSize) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size must be >= 1, got " + worldSize);
        }
        long[] offsets = new long[numels.length];
        long total = 0;
        for (int i = 0; i < numels.length; i++) {
            offsets[i] = total;
            total += numels[i];
        }
        long padded = (total + worldSize - 1) / worldSize * worldSize;
        return new FlatLayout(numels.clone(), offsets, total, Math.max(padded, worldSize), worldSize);
    }

    long shardSize() {
        return padded / worldSize;
    }

    long shardStart(int rank) {
        return rank * shardSize();
    }

    /** The pieces of tensors inside rank {@code rank}'s shard, in order; padding is left out. */
    List<Segment> segments(int rank) {
        long start = shardStart(rank);
        long end = start + shardSize();
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < numels.length; i++) {
            long from = Math.max(start, offsets[i]);
            long to = Math.min(end, offsets[i] + numels[i]);
            if (from < to) {
                out.add(new Segment(i, from - offsets[i], from - start, to - from));
            }
        }
        return out;
    }
}
