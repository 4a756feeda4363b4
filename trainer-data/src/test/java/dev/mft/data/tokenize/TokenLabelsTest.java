package dev.mft.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mft.data.template.RenderedConversation;
import dev.mft.data.template.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenLabelsTest {

    private static final int X = TokenizedExample.IGNORE_INDEX;
    // "ab" prompt, "cd" reply (trained), "ef" template tail
    private static final RenderedConversation ABCDEF = new RenderedConversation(List.of(
            Segment.context("ab"), Segment.reply("cd", 0), Segment.context("ef")));

    @Test
    void tokensInsideTrainedTextAreTrainedAndOthersIgnored() {
        TokenEncoding e = new TokenEncoding(new int[] {10, 11, 12, 13, 14, 15},
                new int[] {0, 1, 2, 3, 4, 5}, new int[] {1, 2, 3, 4, 5, 6});

        assertArrayEquals(new int[] {X, X, 12, 13, X, X}, TokenLabels.of(e, ABCDEF));
    }

    @Test
    void aTokenStraddlingABoundaryIsTrainedWhenItCoversAnyTrainedCharacter() {
        TokenEncoding intoReply = new TokenEncoding(new int[] {10, 11, 12, 13},
                new int[] {0, 1, 3, 4}, new int[] {1, 3, 4, 6}); // a | bc | d | ef
        TokenEncoding outOfReply = new TokenEncoding(new int[] {20, 21},
                new int[] {0, 3}, new int[] {3, 6}); // abc | def

        assertArrayEquals(new int[] {X, 11, 12, X}, TokenLabels.of(intoReply, ABCDEF));
        assertArrayEquals(new int[] {20, 21}, TokenLabels.of(outOfReply, ABCDEF));
    }

    @Test
    void anEmptySpanCountsAsCoveringTheNextCharacter() {
        TokenEncoding e = new TokenEncoding(new int[] {30, 31, 32},
                new int[] {1, 2, 6}, new int[] {1, 2, 6}); // before 'b', before 'c', at the end

        assertArrayEquals(new int[] {X, 31, X}, TokenLabels.of(e, ABCDEF));
    }

    @Test
    void aSpanOutsideTheTextIsRejected() {
        TokenEncoding e = new TokenEncoding(new int[] {1}, new int[] {5}, new int[] {7});

        assertThrows(IllegalArgumentException.class, () -> TokenLabels.of(e, ABCDEF));
    }
}
