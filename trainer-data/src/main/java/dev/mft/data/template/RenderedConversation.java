package dev.mft.data.template;

import java.util.List;
import java.util.Objects;

/** A conversation rendered by a template: ordered segments whose concatenation is the text. */
public record RenderedConversation(List<Segment> segments) {

    public RenderedConversation {
        segments = List.copyOf(Objects.requireNonNull(segments, "segments"));
    }

    /** The whole rendered string, i.e. every segment's text in order. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Segment s : segments) {
            sb.append(s.text());
        }
        return sb.toString();
    }

    /** Only the trained segments' text, in order (what the trained labels must decode to). */
    public String trainedText() {
        StringBuilder sb = new StringBuilder();
        for (Segment s : segments) {
            if (s.trained()) {
                sb.append(s.text());
            }
        }
        return sb.toString();
    }
}
