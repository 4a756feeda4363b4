package dev.mft.core.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Builds the input arrays of the next micro-batches on a background thread while the current one computes: int64
 * ids, positions and (packed rows) sample ids, on the device (on a GPU through pinned memory and a non-blocking
 * copy, see {@link BatchArrays}). At most {@code depth} batches wait, so memory stays bounded.
 *
 * <p>Ownership: the worker creates each batch's arrays on a fresh sub-manager of {@code parent}; {@link #next} hands
 * them over, and the caller attaches them to its own scope ({@link Inputs#attachTo}). Batches never taken are freed
 * by {@link #close}.
 */
final class BatchPrefetcher implements AutoCloseable {

    /** The arrays of one micro-batch; {@code sampleIds} is null unless its rows are packed. */
    record Inputs(TokenBatch batch, NDArray ids, NDArray positions, NDArray sampleIds, NDManager holder) {
        /** Moves the arrays to {@code scope} (whose lifetime the caller controls) and frees the holder. */
        void attachTo(NDManager scope) {
            ids.attach(scope);
            positions.attach(scope);
            if (sampleIds != null) {
                sampleIds.attach(scope);
            }
            holder.close();
        }
    }

    /** What the worker hands over: the next inputs, or the failure that stopped it. */
    private record Item(Inputs inputs, RuntimeException failure) {}

    private final BlockingQueue<Item> ready;
    private final Thread worker;
    private final int count;
    private int taken;
    private volatile boolean closed;

    /** Prefetches {@code batches} in order, at most {@code depth} ahead. */
    BatchPrefetcher(List<TokenBatch> batches, NDManager parent, Device device, int depth) {
        this.ready = new ArrayBlockingQueue<>(depth);
        this.count = batches.size();
        this.worker = new Thread(() -> produce(batches, parent, device), "mft-batch-prefetch");
        worker.setDaemon(true);
        worker.start();
    }

    private void produce(List<TokenBatch> batches, NDManager parent, Device device) {
        try {
            for (TokenBatch b : batches) {
                NDManager holder = parent.newSubManager(device);
                Inputs in;
                try {
                    in = new Inputs(b, BatchArrays.ids(holder, b, device), BatchArrays.positions(holder, b, device),
                            BatchArrays.sampleIdsIfPacked(holder, b, device), holder);
                } catch (RuntimeException e) {
                    holder.close();
                    throw e;
                }
                if (!offer(new Item(in, null))) {
                    holder.close(); // closed while waiting: nobody will take it
                    return;
                }
            }
        } catch (RuntimeException e) {
            offer(new Item(null, e));
        }
    }

    /** Puts an item, waiting for room; false when the prefetcher was closed meanwhile. */
    private boolean offer(Item item) {
        try {
            while (!closed) {
                if (ready.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
            return false;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** The inputs of the next batch in order (waiting for the worker if it is behind). */
    Inputs next() {
        if (taken >= count) {
            throw new IllegalStateException("all " + count + " prefetched batches were taken");
        }
        Item item;
        try {
            item = ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the next batch", e);
        }
        if (item.failure() != null) {
            throw new IllegalStateException("preparing batch " + taken + " failed: " + item.failure().getMessage(),
                    item.failure());
        }
        taken++;
        return item.inputs();
    }

    /** Stops the worker and frees the batches it prepared that were not taken. */
    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Item item; (item = ready.poll()) != null; ) {
            if (item.inputs() != null) {
                item.inputs().holder().close();
            }
        }
    }
}
