package dev.mft.core.optim;

import ai.djl.ndarray.NDArray;
import dev.mft.core.tensor.TorchShim;
import java.util.BitSet;

/**
 * Which rows of a 2-D parameter's {@code .grad} can be nonzero, for a gradient that touches few rows: the embedding
 * table's, into which a step adds only the rows of the batch's token ids (a few hundred of 32,000 or 150,000). Whoever
 * zeroes the whole gradient says so ({@link #zeroed}); whoever adds into rows says which ({@link #added}); the
 * gradient clipping and AdamW then read and clear only those rows, and run AdamW's zero-gradient update over the rest
 * (the same bits as the dense pass, without reading or writing a gradient known to be 0).
 *
 * <p>The record is only trusted while nothing else has written the gradient: each time it is made, the gradient
 * tensor's identity and libtorch's version counter (which every in-place op bumps: autograd's accumulation, a
 * {@code mul_}, a {@code zero_}) are noted, and {@link #rowsOf} answers null (take the dense path) as soon as either
 * differs. What the counter cannot see, a write through raw memory by someone else (a collective over a flat bucket),
 * is why only {@link dev.mft.core.parallel.SingleDevice} uses it.
 */
public final class TouchedRows {
    private final BitSet rows = new BitSet();
    /** Whether {@link #rows} is a true account; false until the first {@link #zeroed}. */
    private boolean known;
    private long tensorImpl;
    private long version;

    /** The whole gradient is zero now: no row touched. */
    public void zeroed(NDArray grad) {
        rows.clear();
        note(grad);
    }

    /**
     * Call before adding into rows of {@code grad}: forgets the record if someone else wrote the gradient since it was
     * made (then {@link #added} keeps it forgotten until the next {@link #zeroed}).
     */
    public void beforeAdd(NDArray grad) {
        if (known && !current(grad)) {
            known = false;
        }
    }

    /** {@code ids} were added into (after a {@link #beforeAdd} on the same gradient, with nothing in between). */
    public void added(NDArray grad, long[] ids) {
        if (!known) {
            return;
        }
        for (long id : ids) {
            rows.set(Math.toIntExact(id));
        }
        note(grad);
    }

    /**
     * The rows that may be nonzero, ascending, or null when the record cannot be trusted (never made, or the gradient
     * was written by someone else since): then every row must be read.
     */
    public int[] rowsOf(NDArray grad) {
        return known && current(grad) ? rows.stream().toArray() : null;
    }

    private void note(NDArray grad) {
        TorchShim shim = TorchShim.get();
        tensorImpl = shim.tensorImpl(grad);
        version = shim.version(grad);
        known = true;
    }

    private boolean current(NDArray grad) {
        TorchShim shim = TorchShim.get();
        return shim.tensorImpl(grad) == tensorImpl && shim.version(grad) == version;
    }
}
