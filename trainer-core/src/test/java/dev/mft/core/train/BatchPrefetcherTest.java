package dev.mft.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The background batch preparation: same arrays as built in place, in order, nothing left behind. */
class BatchPrefetcherTest {

    private static List<TokenBatch> batches(int n) {
        List<TokenBatch> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int[] ids = new int[6];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 100 * k + i;
            }
            out.add(TokenBatch.unpadded(2, 3, ids, ids.clone()));
        }
        return out;
    }

    @Test
    void handsOverTheSameArraysAsBatchArraysInOrder() {
        TorchRuntime.start();
        List<TokenBatch> list = batches(7);
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                BatchPrefetcher p = new BatchPrefetcher(list, root, Device.cpu(), 2)) {
            for (TokenBatch b : list) {
                try (NDManager scope = root.newSubManager()) {
                    BatchPrefetcher.Inputs in = p.next();
                    in.attachTo(scope);
                    assertSame(b, in.batch());
                    assertArrayEquals(BatchArrays.ids(scope, b, Device.cpu()).toLongArray(), in.ids().toLongArray());
                    assertArrayEquals(BatchArrays.positions(scope, b, Device.cpu()).toLongArray(),
                            in.positions().toLongArray());
                    assertNull(in.sampleIds(), "unpacked rows have no sample ids");
                    assertSame(scope, in.ids().getManager(), "the caller's scope owns the arrays");
                }
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, p::next);
            assertTrue(e.getMessage().contains("all 7 prefetched batches were taken"), e.getMessage());
        }
    }

    @Test
    void closingEarlyFreesWhatWasPreparedAndStopsTheWorker() throws Exception {
        TorchRuntime.start();
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            BatchPrefetcher p = new BatchPrefetcher(batches(50), root, Device.cpu(), 2);
            try (NDManager scope = root.newSubManager()) {
                p.next().attachTo(scope);
            }
            Thread.sleep(200); // the worker fills its two slots and waits
            // the count sees the arrays of sub-managers: two queued batches of ids + positions (a third may be in hand)
            int waiting = ((ai.djl.ndarray.BaseNDManager) root).getManagedArrays().size();
            assertTrue(waiting == 4 || waiting == 6, "arrays of the prepared batches: " + waiting);
            p.close();
            // only what root itself holds is left: no holder of an untaken batch survives the close
            assertEquals(0, ((ai.djl.ndarray.BaseNDManager) root).getManagedArrays().size());
        }
    }
}
