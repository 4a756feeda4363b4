package dev.mft.data.template;

import java.util.ArrayList;
import java.util.List;

/** Builds a {@link RenderedConversation}, merging neighbouring context text and numbering replies in order. */
final class Segments {

    private final List<Segment> segments = new ArrayList<>();
    private final StringBuilder context = new StringBuilder();
    private int replies;

    /** Appends untrained text. */
    Segments context(String text) {
        context.append(text);
        return this;
    }

    /** Appends the next reply's text plus its end-of-turn token(s), trained. */
    Segments reply(String text) {
        flushContext();
        segments.add(Segment.reply(text, replies++));
        return this;
    }

    RenderedConversation build() {
        flushContext();
        return new RenderedConversation(segments);
    }

    private void flushContext() {
        if (context.length() > 0) {
            segments.add(Segment.context(context.toString()));
            context.setLength(0);
        }
    }
}
