package dev.mft.data.batch;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Examples to a {@link Batch}: one example per row, right-padded with the pad id.
 *
 * <p>Position ids run 0..T-1 on every row: real tokens get 0..len-1 as they must, and the padding
 * after them gets valid positions that nothing attends to.
 */
public final class PaddingCollator {

    private final int padId;
    private final int seqLength;
    private final PaddingLength paddingLength;

    public PaddingCollator(int padId, int seqLength, PaddingLength paddingLength) {
        if (padId < 0) {
            throw new IllegalArgumentException("pad id " + padId + "; expected >= 0");
        }
        if (seqLength < 1) {
            throw new IllegalArgumentException("seq_length " + seqLength + "; expected >= 1");
        }
        this.padId = padId;
        this.seqLength = seqLength;
        this.paddingLength = Objects.requireNonNull(paddingLength, "paddingLength");
    }

    public Batch collate(List<TokenizedExample> examples) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("empty batch; expected at least one example");
        }
        int longest = 0;
        for (TokenizedExample e : examples) {
            if (e.length() > seqLength) {
                throw new IllegalArgumentException("example of " + e.length() + " tokens exceeds seq_length "
                        + seqLength + "; expected the encoder to drop it");
            }
            longest = Math.max(longest, e.length());
        }
        int b = examples.size();
        int t = paddingLength == PaddingLength.SEQ_LENGTH ? seqLength : longest;
        int[] inputIds = new int[b * t];
        int[] labels = new int[b * t];
        int[] positionIds = new int[b * t];
        int[] attentionMask = new int[b * t];
        int[] taskIds = new int[b];
        Arrays.fill(inputIds, padId);
        Arrays.fill(labels, TokenizedExample.IGNORE_INDEX);
        for (int row = 0; row < b; row++) {
            TokenizedExample e = examples.get(row);
            int offset = row * t;
            System.arraycopy(e.inputIds(), 0, inputIds, offset, e.length());
            System.arraycopy(e.labels(), 0, labels, offset, e.length());
            Arrays.fill(attentionMask, offset, offset + e.length(), 1);
            for (int i = 0; i < t; i++) {
                positionIds[offset + i] = i;
            }
            taskIds[row] = e.taskId();
        }
        return new Batch(b, t, inputIds, labels, positionIds, attentionMask, taskIds);
    }
}
