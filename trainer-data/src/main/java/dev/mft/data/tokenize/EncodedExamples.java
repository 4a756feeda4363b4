package dev.mft.data.tokenize;

import java.util.List;
import java.util.Objects;

/**
 * Examples that fit seq_length, and how many were dropped for being longer.
 *
 * @param firstDroppedOrigin where the first dropped conversation came from, or null if none was
 */
public record EncodedExamples(List<TokenizedExample> examples, int dropped, String firstDroppedOrigin) {

    public EncodedExamples {
        examples = List.copyOf(Objects.requireNonNull(examples, "examples"));
        if (dropped < 0) {
            throw new IllegalArgumentException("dropped " + dropped + "; expected >= 0");
        }
    }
}
