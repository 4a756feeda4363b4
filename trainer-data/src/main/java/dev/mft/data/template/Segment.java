package dev.mft.data.template;

import java.util.Objects;

/**
 * A piece of rendered text: part of assistant reply {@code reply} (its text and end-of-turn token), or context
 * ({@code reply} = {@link #CONTEXT}); and whether the model is trained to produce it.
 */
public record Segment(String text, int reply, boolean trained) {

    /** The {@code reply} of text that belongs to no reply (markers, user turns, system message). */
    public static final int CONTEXT = -1;

    public Segment {
        Objects.requireNonNull(text, "text");
        if (reply < CONTEXT) {
            throw new IllegalArgumentException("reply " + reply + "; expected >= -1");
        }
        if (trained && reply == CONTEXT) {
            throw new IllegalArgumentException("context text is never trained: \"" + text + "\"");
        }
    }

    /** Untrained text that belongs to no reply. */
    public static Segment context(String text) {
        return new Segment(text, CONTEXT, false);
    }

    /** The text (and end-of-turn token) of assistant reply {@code index}, trained. */
    public static Segment reply(String text, int index) {
        return new Segment(text, index, true);
    }
}
