package dev.mft.data.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataLoaderTest {

    @Test
    void anEpochOrderIsAPermutationFixedBySeedAndEpoch() {
        EpochOrder order = new EpochOrder(50, 1234, true);

        int[] epoch0 = order.order(0);
        assertArrayEquals(epoch0, new EpochOrder(50, 1234, true).order(0));
        int[] sorted = epoch0.clone();
        Arrays.sort(sorted);
        int[] identity = new int[50];
        Arrays.setAll(identity, i -> i);
        assertArrayEquals(identity, sorted);
        assertFalse(Arrays.equals(identity, epoch0));
        assertFalse(Arrays.equals(epoch0, order.order(1)));
        assertFalse(Arrays.equals(epoch0, new EpochOrder(50, 1235, true).order(0)));
        assertArrayEquals(identity, new EpochOrder(50, 1234, false).order(7));
    }

    @Test
    void everyExampleAppearsOncePerEpochAndDropLastSkipsTheShortBatch() {
        List<TokenizedExample> examples = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            examples.add(new TokenizedExample(new int[] {100 + i}, new int[] {100 + i}, 0));
        }
        PaddingCollator collator = new PaddingCollator(0, 4, PaddingLength.LONGEST_IN_BATCH);

        DataLoader keepLast = new DataLoader(examples, collator, 4, 7, true, false);
        assertEquals(3, keepLast.batchesPerEpoch());
        List<Integer> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        keepLast.epoch(2).forEachRemaining(b -> {
            sizes.add(b.batchSize());
            Arrays.stream(b.inputIds()).forEach(seen::add);
        });
        assertEquals(List.of(4, 4, 2), sizes);
        int[] expected = Arrays.stream(new EpochOrder(10, 7, true).order(2)).map(i -> 100 + i).toArray();
        assertArrayEquals(expected, seen.stream().mapToInt(Integer::intValue).toArray());

        DataLoader dropLast = new DataLoader(examples, collator, 4, 7, true, true);
        assertEquals(2, dropLast.batchesPerEpoch());
        Iterator<Batch> it = dropLast.epoch(0);
        it.next();
        it.next();
        assertFalse(it.hasNext());
    }
}
