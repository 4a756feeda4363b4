package dev.mft.data.batch;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Rows of examples to a {@link Batch}, right-padded with the pad id. A row is one example, or several packed ones
 * (see {@link Packing}): their position ids restart at 0 for each sample and the first label of every sample after
 * the first is not trained, because within the row it would be predicted from the previous sample (an unpacked
 * example never predicts its first token either). So a packed row trains exactly what its samples train alone.
 *
 * <p>Padding gets position ids that continue from the last sample: valid positions that nothing attends to.
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

    /** One example per row. */
    public Batch collate(List<TokenizedExample> examples) {
        return collateRows(examples.stream().map(List::of).toList());
    }

    /** One row per list of examples. */
    public Batch collateRows(List<List<TokenizedExample>> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("empty batch; expected at least one example");
        }
        int longest = 0;
        int samples = 0;
        for (List<TokenizedExample> row : rows) {
            int length = Packing.length(row);
            if (length > seqLength || row.isEmpty()) {
                throw new IllegalArgumentException("a row of " + length + " tokens in " + row.size()
                        + " example(s); expected 1..seq_length " + seqLength + " (the encoder drops or truncates"
                        + " longer examples)");
            }
            longest = Math.max(longest, length);
            samples += row.size();
        }
        int b = rows.size();
        int t = paddingLength == PaddingLength.SEQ_LENGTH ? seqLength : longest;
        int[] inputIds = new int[b * t];
        int[] labels = new int[b * t];
        int[] positionIds = new int[b * t];
        int[] attentionMask = new int[b * t];
        int[] sampleIds = new int[b * t];
        int[] sampleTasks = new int[samples];
        Arrays.fill(inputIds, padId);
        Arrays.fill(labels, TokenizedExample.IGNORE_INDEX);
        Arrays.fill(sampleIds, -1);
        int sample = 0;
        for (int r = 0; r < b; r++) {
            int at = r * t;
            for (TokenizedExample e : rows.get(r)) {
                int n = e.length();
                System.arraycopy(e.inputIds(), 0, inputIds, at, n);
                System.arraycopy(e.labels(), 0, labels, at, n);
                if (at > r * t) {
                    labels[at] = TokenizedExample.IGNORE_INDEX; // would be predicted across samples
                }
                Arrays.fill(attentionMask, at, at + n, 1);
                Arrays.fill(sampleIds, at, at + n, sample);
                for (int i = 0; i < n; i++) {
                    positionIds[at + i] = i;
                }
                sampleTasks[sample++] = e.taskId();
                at += n;
            }
            for (int i = at, p = at == r * t ? 0 : positionIds[at - 1] + 1; i < (r + 1) * t; i++, p++) {
                positionIds[i] = p;
            }
        }
        return new Batch(b, t, inputIds, labels, positionIds, attentionMask, sampleIds, sampleTasks);
    }

    /** Wraps each example as a row of its own. */
    static List<List<TokenizedExample>> singletons(List<TokenizedExample> examples) {
        List<List<TokenizedExample>> rows = new ArrayList<>(examples.size());
        for (TokenizedExample e : examples) {
            rows.add(List.of(e));
        }
        return rows;
    }
}
