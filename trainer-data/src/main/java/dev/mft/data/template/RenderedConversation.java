package dev.mft.data.template;

import java.util.ArrayList;
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

    /** Number of distinct replies among the segments. */
    public int replyCount() {
        return (int) segments.stream().mapToInt(Segment::reply).filter(r -> r >= 0).distinct().count();
    }

    /** The same text with only reply {@code reply} trained (last_response and split_example). */
    public RenderedConversation trainOnly(int reply) {
        List<Segment> out = new ArrayList<>(segments.size());
        for (Segment s : segments) {
            out.add(new Segment(s.text(), s.reply(), s.reply() == reply && s.reply() != Segment.CONTEXT));
        }
        return new RenderedConversation(out);
    }
}
