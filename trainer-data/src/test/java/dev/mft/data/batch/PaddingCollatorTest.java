package dev.mft.data.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.List;
import org.junit.jupiter.api.Test;

class PaddingCollatorTest {

    private static final int X = TokenizedExample.IGNORE_INDEX;
    private static final int PAD = 0;

    // row 0: 3 tokens, labels on positions 1 and 2; row 1: 2 tokens, label on position 1
    private static final TokenizedExample THREE = new TokenizedExample(new int[] {5, 6, 7}, new int[] {X, 6, 7}, 0);
    private static final TokenizedExample TWO = new TokenizedExample(new int[] {8, 9}, new int[] {X, 9}, 2);

    @Test
    void padsRightToTheLongestExampleOfTheBatch() {
        Batch b = new PaddingCollator(PAD, 16, PaddingLength.LONGEST_IN_BATCH).collate(List.of(THREE, TWO));

        assertEquals(2, b.batchSize());
        assertEquals(3, b.seqLength());
        assertArrayEquals(new int[] {5, 6, 7, 8, 9, PAD}, b.inputIds());
        assertArrayEquals(new int[] {X, 6, 7, X, 9, X}, b.labels());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0}, b.attentionMask());
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2}, b.positionIds());
        assertArrayEquals(new int[] {0, 2}, b.sampleTasks());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, -1}, b.sampleIds());
        assertEquals(3, b.trainedTokens()); // 6, 7 in row 0; 9 in row 1
    }

    @Test
    void padsToSeqLengthWhenAsked() {
        Batch b = new PaddingCollator(PAD, 5, PaddingLength.SEQ_LENGTH).collate(List.of(TWO));

        assertEquals(5, b.seqLength());
        assertArrayEquals(new int[] {8, 9, PAD, PAD, PAD}, b.inputIds());
        assertArrayEquals(new int[] {X, 9, X, X, X}, b.labels());
        assertArrayEquals(new int[] {1, 1, 0, 0, 0}, b.attentionMask());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, b.positionIds());
    }

    @Test
    void trainedTokensSkipsTheFirstPositionOfEveryRowBecauseNothingPredictsIt() {
        TokenizedExample allTrained = new TokenizedExample(new int[] {4, 5, 6}, new int[] {4, 5, 6}, 0);
        TokenizedExample firstOnly = new TokenizedExample(new int[] {7, 8}, new int[] {7, X}, 0);

        Batch b = new PaddingCollator(PAD, 8, PaddingLength.LONGEST_IN_BATCH).collate(List.of(allTrained, firstOnly));

        assertEquals(2, b.trainedTokens()); // 5 and 6; labels at position 0 (4 and 7) are never predicted
    }

    @Test
    void rejectsAnExampleLongerThanSeqLengthAndAnEmptyBatch() {
        PaddingCollator collator = new PaddingCollator(PAD, 2, PaddingLength.LONGEST_IN_BATCH);

        assertThrows(IllegalArgumentException.class, () -> collator.collate(List.of(THREE)));
        assertThrows(IllegalArgumentException.class, () -> collator.collate(List.of()));
    }
}
