package dev.mft.data.tokenize;

import java.util.List;
import java.util.Objects;

/** The examples of one task that fit seq_length (after truncation), and the counts of the pass. */
public record EncodedExamples(List<TokenizedExample> examples, EncodeStats stats) {

    public EncodedExamples {
        examples = List.copyOf(Objects.requireNonNull(examples, "examples"));
        Objects.requireNonNull(stats, "stats");
    }

    /** Examples dropped (too long, or nothing trained left after truncation). */
    public int dropped() {
        return stats.dropped();
    }

    /** Where the first dropped example came from, or null. */
    public String firstDroppedOrigin() {
        return stats.firstDroppedOrigin();
    }
}
