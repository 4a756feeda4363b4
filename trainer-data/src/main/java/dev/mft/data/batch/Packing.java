package dev.mft.data.batch;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code padding_mode: "pack"}: examples appended greedily, in order, into rows of at most seq_length tokens, as
 * MFTCoder packs them. Unlike MFTCoder, packed samples stay isolated: the collator restarts position ids per sample
 * and the trainer masks attention block-diagonally.
 */
public final class Packing {

    private Packing() {}

    /** Rows of whole examples, each at most {@code seqLength} tokens; an example never spans two rows. */
    public static List<List<TokenizedExample>> greedy(List<TokenizedExample> examples, int seqLength) {
        List<List<TokenizedExample>> rows = new ArrayList<>();
        List<TokenizedExample> row = new ArrayList<>();
        int used = 0;
        for (TokenizedExample e : examples) {
            if (e.length() > seqLength) {
                throw new IllegalArgumentException("example of " + e.length() + " tokens exceeds seq_length "
                        + seqLength + "; expected the encoder to drop or truncate it");
            }
            if (used + e.length() > seqLength) {
                rows.add(List.copyOf(row));
                row.clear();
                used = 0;
            }
            row.add(e);
            used += e.length();
        }
        if (!row.isEmpty()) {
            rows.add(List.copyOf(row));
        }
        return rows;
    }

    /** Tokens in a row. */
    static int length(List<TokenizedExample> row) {
        int n = 0;
        for (TokenizedExample e : row) {
            n += e.length();
        }
        return n;
    }
}
