package dev.mft.data.tokenize;

import dev.mft.data.template.RenderedConversation;
import java.util.Objects;

/**
 * One rendered example with everything needed to show it: the rendering, its encoding, and what became of it.
 *
 * @param origin file:line of the conversation
 * @param rendered the example's segments (after the loss mode)
 * @param encoding the tokens of the whole rendered text
 * @param example the training example (after truncation), or null when it was dropped
 * @param firstToken index in {@code encoding} of the example's first token (> 0 after left truncation)
 * @param outcome what happened to it
 */
public record EncodedExample(String origin, RenderedConversation rendered, TokenEncoding encoding,
        TokenizedExample example, int firstToken, Outcome outcome) {

    /** What became of a rendered example. */
    public enum Outcome {
        KEPT,
        TRUNCATED,
        /** Longer than seq_length under truncation "drop". */
        DROPPED_TOO_LONG,
        /** Truncated to seq_length and nothing trained was left. */
        DROPPED_NOTHING_TRAINED
    }

    public EncodedExample {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(rendered, "rendered");
        Objects.requireNonNull(encoding, "encoding");
        Objects.requireNonNull(outcome, "outcome");
    }
}
