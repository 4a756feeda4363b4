package dev.mft.data.tokenize;

import java.util.Objects;

/** A special token's text (e.g. {@code </s>}) and its id. */
public record SpecialToken(String text, int id) {

    public SpecialToken {
        Objects.requireNonNull(text, "text");
        if (id < 0) {
            throw new IllegalArgumentException("special token " + text + " has id " + id + "; expected >= 0");
        }
    }
}
