package dev.mft.data.template;

import java.util.Objects;

/** A piece of rendered text and whether the model is trained to produce it. */
public record Segment(String text, boolean trained) {

    public Segment {
        Objects.requireNonNull(text, "text");
    }
}
