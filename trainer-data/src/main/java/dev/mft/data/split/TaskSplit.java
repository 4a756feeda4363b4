package dev.mft.data.split;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * One task's items divided by {@link SplitShares}: optionally shuffled first with a generator seeded by (seed, task),
 * so a run repeats exactly and tasks are shuffled independently; validation takes the first items, test the next,
 * train the rest.
 */
public record TaskSplit<T>(List<T> train, List<T> valid, List<T> test) {

    public TaskSplit {
        train = List.copyOf(train);
        valid = List.copyOf(valid);
        test = List.copyOf(test);
    }

    public static <T> TaskSplit<T> of(List<T> items, SplitShares shares, long seed, int task, boolean shuffle) {
        List<T> order = new ArrayList<>(items);
        if (shuffle) {
            // java.util.Random's algorithm is specified by the JDK: the split does not change between Java versions
            Collections.shuffle(order, new Random(seed * 0x9E3779B97F4A7C15L + 31L * task + 17));
        }
        int[] vt = shares.validAndTest(order.size());
        int v = vt[0];
        int t = vt[1];
        return new TaskSplit<>(order.subList(v + t, order.size()), order.subList(0, v), order.subList(v, v + t));
    }
}
