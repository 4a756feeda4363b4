package dev.mft.data.inspect;

import dev.mft.data.template.Segment;
import dev.mft.data.tokenize.EncodedExample;
import dev.mft.data.tokenize.TokenEncoding;
import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.List;

/**
 * An example as the tokens see it: the rendered text cut where the labels switch between trained and not, so the
 * pieces concatenate to exactly the text the example's tokens cover (the whole rendering unless truncated).
 *
 * @param segments texts with their trained flag; neighbours always differ in the flag
 */
public record ExampleView(String task, String origin, TokenizedExample example, List<Segment> segments) {

    public ExampleView {
        segments = List.copyOf(segments);
    }

    /** The view of a kept (or truncated) example; {@code encoded.example()} must not be null. */
    public static ExampleView of(String task, EncodedExample encoded) {
        TokenizedExample ex = encoded.example();
        if (ex == null) {
            throw new IllegalArgumentException(encoded.origin() + " was dropped (" + encoded.outcome() + ")");
        }
        String text = encoded.rendered().text();
        TokenEncoding enc = encoded.encoding();
        int first = encoded.firstToken();
        int last = first + ex.length() - 1;
        int from = first == 0 ? 0 : enc.starts()[first];
        int to = last == enc.length() - 1 ? text.length() : enc.ends()[last];
        List<Segment> out = new ArrayList<>();
        int runStart = from;
        boolean runTrained = trained(ex, 0);
        for (int k = 1; k < ex.length(); k++) {
            boolean t = trained(ex, k);
            if (t != runTrained) {
                int cut = Math.max(runStart, enc.starts()[first + k]);
                out.add(segment(text.substring(runStart, cut), runTrained));
                runStart = cut;
                runTrained = t;
            }
        }
        out.add(segment(text.substring(runStart, to), runTrained));
        return new ExampleView(task, encoded.origin(), ex, out);
    }

    private static boolean trained(TokenizedExample ex, int k) {
        return ex.labels()[k] != TokenizedExample.IGNORE_INDEX;
    }

    private static Segment segment(String text, boolean trained) {
        return trained ? Segment.reply(text, 0) : Segment.context(text);
    }

    /** Trained tokens (labels other than -100). */
    public int trainedTokens() {
        int n = 0;
        for (int l : example.labels()) {
            n += l == TokenizedExample.IGNORE_INDEX ? 0 : 1;
        }
        return n;
    }
}
