package dev.mft.data.tokenize;

import dev.mft.data.template.RenderedConversation;
import dev.mft.data.template.Segment;

/**
 * Labels for the tokens of a rendered conversation, from the characters each token covers.
 *
 * <p>Rule: a token is trained when ANY character of its span lies in a trained segment. So a token
 * that straddles a boundary (e.g. Qwen's {@code "\n\n"} when a reply starts with a newline right
 * after the {@code <s>bot\n} marker) is trained: no character of a reply ever goes untrained, at
 * the cost of a template character riding along. A token with an empty span counts as covering
 * the character right after it.
 */
public final class TokenLabels {

    private TokenLabels() {}

    /** {@code labels[i] = ids[i]} for trained tokens, else {@link TokenizedExample#IGNORE_INDEX}. */
    public static int[] of(TokenEncoding encoding, RenderedConversation rendered) {
        int[] trainedBefore = trainedCharsBefore(rendered);
        int textLength = trainedBefore.length - 1;
        int[] ids = encoding.ids();
        int[] labels = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int start = encoding.starts()[i];
            int end = Math.min(Math.max(encoding.ends()[i], start + 1), textLength);
            if (start < 0 || start > textLength || encoding.ends()[i] > textLength) {
                throw new IllegalArgumentException("token " + i + " span [" + start + ", "
                        + encoding.ends()[i] + ") lies outside the text of length " + textLength);
            }
            boolean trained = end > start && trainedBefore[end] - trainedBefore[start] > 0;
            labels[i] = trained ? ids[i] : TokenizedExample.IGNORE_INDEX;
        }
        return labels;
    }

    /** {@code result[k]} = number of trained characters among the first k of the text. */
    private static int[] trainedCharsBefore(RenderedConversation rendered) {
        int length = 0;
        for (Segment s : rendered.segments()) {
            length += s.text().length();
        }
        int[] before = new int[length + 1];
        int k = 0;
        for (Segment s : rendered.segments()) {
            for (int j = 0; j < s.text().length(); j++, k++) {
                before[k + 1] = before[k] + (s.trained() ? 1 : 0);
            }
        }
        return before;
    }
}
