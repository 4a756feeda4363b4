package dev.mft.data.batch;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.Objects;

/**
 * A batch as flat row-major int arrays of shape [batchSize, seqLength] (element (b, t) at {@code b * seqLength + t}).
 *
 * <p>Labels are aligned with inputIds, not shifted, and are {@link TokenizedExample#IGNORE_INDEX} on padding and on
 * the first token of every packed sample. attentionMask is 1 on real tokens and 0 on padding. {@code sampleIds} says
 * which sample of the batch each position belongs to (an index into {@code sampleTasks}, -1 on padding): a row holds
 * one sample, or several when packed, and attention must not cross samples. Arrays are not copied: read-only.
 */
public record Batch(
        int batchSize,
        int seqLength,
        int[] inputIds,
        int[] labels,
        int[] positionIds,
        int[] attentionMask,
        int[] sampleIds,
        int[] sampleTasks) {

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
        requireLength(sampleIds, cells, "sampleIds");
        Objects.requireNonNull(sampleTasks, "sampleTasks");
        for (int s : sampleIds) {
            if (s < -1 || s >= sampleTasks.length) {
                throw new IllegalArgumentException("sample id " + s + "; expected -1 or an index below "
                        + sampleTasks.length);
            }
        }
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

    /** Non-padding positions. */
    public long realTokens() {
        long n = 0;
        for (int m : attentionMask) {
            n += m;
        }
        return n;
    }
}
