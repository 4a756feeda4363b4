package dev.mft.data.batch;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.Objects;

/**
 * A padded batch as flat row-major int arrays of shape [batchSize, seqLength] (element (b, t) at
 * {@code b * seqLength + t}); {@code taskIds} has one entry per row.
 *
 * <p>Labels are aligned with inputIds, not shifted, and are {@link TokenizedExample#IGNORE_INDEX}
 * on padding. attentionMask is 1 on real tokens and 0 on padding. Arrays are not copied: read-only.
 */
public record Batch(
        int batchSize,
        int seqLength,
        int[] inputIds,
        int[] labels,
        int[] positionIds,
        int[] attentionMask,
        int[] taskIds) {

    public Batch {
        if (batchSize < 1 || seqLength < 1) {
            throw new IllegalArgumentException("batch shape [" + batchSize + ", " + seqLength
                    + "]; expected both >= 1");
        }
        int cells = Math.multiplyExact(batchSize, seqLength);
        requireLength(inputIds, cells, "inputIds");
        requireLength(labels, cells, "labels");
        requireLength(positionIds, cells, "positionIds");
        requireLength(attentionMask, cells, "attentionMask");
        requireLength(taskIds, batchSize, "taskIds");
    }

    private static void requireLength(int[] array, int expected, String name) {
        Objects.requireNonNull(array, name);
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " has " + array.length + " entries; expected " + expected);
        }
    }

    /**
     * Tokens the loss is computed on: labels other than IGNORE_INDEX after the causal shift, i.e. at
     * positions 1..T-1 of each row (position 0 is never predicted). The trainer divides the summed
     * loss of an optimizer step by the sum of these.
     */
    public long trainedTokens() {
        long count = 0;
        for (int b = 0; b < batchSize; b++) {
            int row = b * seqLength;
            for (int t = 1; t < seqLength; t++) {
                if (labels[row + t] != TokenizedExample.IGNORE_INDEX) {
                    count++;
                }
            }
        }
        return count;
    }
}
