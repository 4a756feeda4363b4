package dev.mft.data.tokenize;

import java.util.Objects;

/**
 * Token ids of a text with each token's character span {@code [starts[i], ends[i])} in that text.
 *
 * <p>Spans are Java {@code String} indices (UTF-16 units), so {@code text.substring(starts[i],
 * ends[i])} is the text token i came from. Byte-level tokens that each hold part of one character
 * all carry that character's span.
 */
public record TokenEncoding(int[] ids, int[] starts, int[] ends) {

    public TokenEncoding {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(starts, "starts");
        Objects.requireNonNull(ends, "ends");
        if (starts.length != ids.length || ends.length != ids.length) {
            throw new IllegalArgumentException("ids, starts and ends differ in length: " + ids.length
                    + ", " + starts.length + ", " + ends.length + "; expected one span per id");
        }
    }

    public int length() {
        return ids.length;
    }
}
