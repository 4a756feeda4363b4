package dev.mft.data.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TaskSplitTest {

    private static final List<Integer> HUNDRED = IntStream.range(0, 100).boxed().toList();

    @Test
    void sharesAreNormalizedAndEveryItemLandsInExactlyOnePart() {
        TaskSplit<Integer> s = TaskSplit.of(HUNDRED, new SplitShares(90, 5, 5), 1234, 0, true);

        assertEquals(List.of(90, 5, 5), List.of(s.train().size(), s.valid().size(), s.test().size()));
        List<Integer> all = new ArrayList<>(s.train());
        all.addAll(s.valid());
        all.addAll(s.test());
        assertEquals(new HashSet<>(HUNDRED), new HashSet<>(all));
        assertEquals(100, all.size());
        assertEquals(s, TaskSplit.of(HUNDRED, new SplitShares(18, 1, 1), 1234, 0, true)); // same shares, same split
    }

    @Test
    void theShuffleIsFixedBySeedAndTaskAndCanBeTurnedOff() {
        TaskSplit<Integer> a = TaskSplit.of(HUNDRED, new SplitShares(98, 2, 0), 7, 0, true);

        assertEquals(a, TaskSplit.of(HUNDRED, new SplitShares(98, 2, 0), 7, 0, true));
        assertNotEquals(a.valid(), TaskSplit.of(HUNDRED, new SplitShares(98, 2, 0), 8, 0, true).valid());
        assertNotEquals(a.valid(), TaskSplit.of(HUNDRED, new SplitShares(98, 2, 0), 7, 1, true).valid());
        assertEquals(List.of(0, 1), TaskSplit.of(HUNDRED, new SplitShares(98, 2, 0), 7, 0, false).valid());
    }

    @Test
    void aSmallTaskStillGetsAValidationItemButKeepsOneToTrain() {
        assertEquals(1, TaskSplit.of(List.of(1, 2, 3), new SplitShares(98, 2, 0), 1, 0, true).valid().size());
        assertEquals(List.of(1), TaskSplit.of(List.of(1), new SplitShares(98, 2, 0), 1, 0, false).train());
        TaskSplit<Integer> two = TaskSplit.of(List.of(1, 2), new SplitShares(1, 1, 1), 1, 0, false);
        assertEquals(List.of(List.of(2), List.of(1), List.of()), List.of(two.train(), two.valid(), two.test()));
        assertThrows(IllegalArgumentException.class, () -> new SplitShares(0, 1, 0));
    }
}
