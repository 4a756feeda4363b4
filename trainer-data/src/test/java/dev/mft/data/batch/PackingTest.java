package dev.mft.data.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PackingTest {

    private static final int X = TokenizedExample.IGNORE_INDEX;

    private static TokenizedExample ex(int task, int... ids) {
        int[] labels = ids.clone(); // everything trained, to see exactly which labels packing turns off
        return new TokenizedExample(ids, labels, task);
    }

    @Test
    void greedyPackingKeepsOrderAndNeverSplitsAnExample() {
        List<TokenizedExample> examples = List.of(ex(0, 1, 2, 3), ex(0, 4, 5), ex(1, 6, 7, 8, 9), ex(0, 10));

        List<List<TokenizedExample>> rows = Packing.greedy(examples, 5);

        assertEquals(List.of(List.of(examples.get(0), examples.get(1)), List.of(examples.get(2), examples.get(3))),
                rows);
        assertThrows(IllegalArgumentException.class, () -> Packing.greedy(List.of(ex(0, 1, 2, 3, 4, 5, 6)), 5));
    }

    @Test
    void aPackedRowRestartsPositionsPerSampleAndDoesNotTrainTheJoins() {
        Batch b = new PaddingCollator(0, 8, PaddingLength.LONGEST_IN_BATCH).collateRows(List.of(
                List.of(ex(0, 1, 2, 3), ex(1, 4, 5)), List.of(ex(2, 6, 7))));

        assertEquals(5, b.seqLength());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 0, 0, 0}, b.inputIds());
        // by hand: position ids restart for the second sample; padding continues after the last sample
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 0, 1, 2, 3, 4}, b.positionIds());
        // the first token of a packed sample (4) would be predicted from the previous sample: not trained
        assertArrayEquals(new int[] {1, 2, 3, X, 5, 6, 7, X, X, X}, b.labels());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 2, 2, -1, -1, -1}, b.sampleIds());
        assertArrayEquals(new int[] {0, 1, 2}, b.sampleTasks());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, b.attentionMask());
        // trained = what each sample trains alone (positions 1.. of each): 2,3 + 5 + 7
        assertEquals(4, b.trainedTokens());
    }

    @Test
    void ranksSplitEachEpochIntoDisjointShardsThatCoverEveryRow() {
        int[] order = new EpochOrder(10, 42, true).order(3);
        List<Integer> all = new ArrayList<>();
        Set<Integer> distinct = new HashSet<>();
        for (int rank = 0; rank < 3; rank++) {
            int[] mine = new RankShard(rank, 3).of(order);
            assertEquals(4, mine.length); // ceil(10 / 3), the last round wraps around
            Arrays.stream(mine).forEach(all::add);
            Arrays.stream(mine).forEach(distinct::add);
        }
        assertEquals(12, all.size());
        assertEquals(10, distinct.size());
        // rank r takes order[r], order[r + 3], ... (torch's DistributedSampler layout), by hand for rank 1
        assertArrayEquals(new int[] {order[1], order[4], order[7], order[0]}, new RankShard(1, 3).of(order));
        assertThrows(IllegalArgumentException.class, () -> new RankShard(3, 3));
    }

    @Test
    void aLoaderOfTwoRanksGivesEachItsOwnBatchesFromTheSameSeed() {
        List<TokenizedExample> examples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            examples.add(ex(0, 100 + i));
        }
        PaddingCollator collator = new PaddingCollator(0, 4, PaddingLength.LONGEST_IN_BATCH);
        List<Integer> seen = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            DataLoader loader = new DataLoader(PaddingCollator.singletons(examples), collator, 2, 9, true, false,
                    new RankShard(rank, 2));
            assertEquals(2, loader.batchesPerEpoch());
            loader.epoch(1).forEachRemaining(b -> Arrays.stream(b.inputIds()).forEach(seen::add));
        }
        assertEquals(Set.of(100, 101, 102, 103, 104, 105, 106, 107), new HashSet<>(seen));
        assertEquals(8, seen.size());
    }
}
