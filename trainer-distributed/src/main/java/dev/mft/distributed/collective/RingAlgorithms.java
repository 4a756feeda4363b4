package dev.mft.distributed.collective;

import dev.mft.core.tensor.TorchDType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Ring collectives over raw bytes (the classic bandwidth-optimal algorithms): every rank sends and receives
 * (N-1)/N of the data per phase, so the bytes each rank moves do not grow with the world size. all_reduce is a
 * reduce-scatter followed by an all-gather; chunks move in pieces so the reduction of one piece overlaps the transfer
 * of the next.
 */
final class RingAlgorithms {
    /** Transfer unit: large enough for full-speed TCP, small enough that reducing it overlaps the next one. */
    private static final int PIECE_BYTES = 1 << 20;

    private final RingLink link;
    private final int rank;
    private final int n;
    private final Duration timeout;
    private ByteBuffer tmpA = ByteBuffer.allocateDirect(0);
    private ByteBuffer tmpB = ByteBuffer.allocateDirect(0);

    RingAlgorithms(RingLink link, int rank, int worldSize, Duration timeout) {
        this.link = link;
        this.rank = rank;
        this.n = worldSize;
        this.timeout = timeout;
    }

    /** In place over {@code buf} (all its remaining bytes). */
    void allReduce(ByteBuffer buf, TorchDType t, ReduceOp op, String what) throws IOException {
        if (n == 1) {
            return;
        }
        int es = t.byteSize();
        long count = buf.remaining() / es;
        // reduce-scatter: after n-1 steps this rank holds the full sum of chunk (rank + 1)
        for (int s = 0; s < n - 1; s++) {
            ByteBuffer recvChunk = chunk(buf, count, mod(rank - s - 1), es);
            ByteBuffer into = scratchA(recvChunk.remaining());
            pipelined(chunk(buf, count, mod(rank - s), es), into, (off, len) ->
                    Reductions.add(recvChunk.slice(off, len), into.slice(off, len), t), what);
        }
        if (op == ReduceOp.AVG) {
            Reductions.divide(chunk(buf, count, mod(rank + 1), es), t, n);
        }
        // all-gather the reduced chunks
        for (int s = 0; s < n - 1; s++) {
            pipelined(chunk(buf, count, mod(rank + 1 - s), es), chunk(buf, count, mod(rank - s), es), null, what);
        }
    }

    /** {@code in} holds n equal chunks; {@code out} (one chunk) gets the reduction of chunk {@code rank}. */
    void reduceScatter(ByteBuffer in, ByteBuffer out, TorchDType t, ReduceOp op, String what) throws IOException {
        int size = out.remaining();
        if (n == 1) {
            copy(in, out);
            return;
        }
        int es = t.byteSize();
        long count = in.remaining() / es;
        ByteBuffer sending = chunk(in, count, mod(rank - 1), es); // step 0 sends our own input chunk as it is
        ByteBuffer acc = null;
        for (int s = 0; s < n - 1; s++) {
            int c = mod(rank - s - 2);
            ByteBuffer own = chunk(in, count, c, es);
            acc = s % 2 == 0 ? scratchA(size) : scratchB(size); // the other scratch is being sent
            ByteBuffer received = acc;
            pipelined(sending, received, (off, len) -> Reductions.add(received.slice(off, len), own.slice(off, len), t),
                    what);
            sending = received;
        }
        copy(acc, out); // acc is chunk `rank` summed over all ranks; out may be our input chunk, already read
        if (op == ReduceOp.AVG) {
            Reductions.divide(out, t, n);
        }
    }

    /** {@code out} holds n chunks of {@code in}'s size; chunk r comes from rank r. */
    void allGather(ByteBuffer in, ByteBuffer out, boolean inPlace, String what) throws IOException {
        int size = in.remaining();
        if (!inPlace) {
            out.slice(rank * size, size).put(in.duplicate());
        }
        for (int s = 0; s < n - 1; s++) {
            pipelined(out.slice(mod(rank - s) * size, size), out.slice(mod(rank - s - 1) * size, size), null, what);
        }
    }

    /** In place: the root's bytes travel the ring in pieces, each rank forwarding what it received. */
    void broadcast(ByteBuffer buf, int root, String what) throws IOException {
        int pos = mod(rank - root);
        int total = buf.remaining();
        int pieces = Math.max(1, (total + PIECE_BYTES - 1) / PIECE_BYTES);
        if (pos == 0) {
            for (int k = 0; k < pieces; k++) {
                link.exchange(piece(buf, k), null, what, timeout);
            }
            return;
        }
        boolean last = pos == n - 1;
        for (int k = 0; k <= pieces; k++) { // forward piece k-1 while receiving piece k
            ByteBuffer send = !last && k > 0 ? piece(buf, k - 1) : null;
            ByteBuffer recv = k < pieces ? piece(buf, k) : null;
            link.exchange(send, recv, what, timeout);
        }
    }

    private interface PieceDone {
        void received(int offset, int length);
    }

    /** Sends {@code send} right while receiving {@code recv} from the left, piece by piece. */
    private void pipelined(ByteBuffer send, ByteBuffer recv, PieceDone done, String what) throws IOException {
        int pieces = Math.max(pieceCount(send), pieceCount(recv));
        for (int k = 0; k < pieces; k++) {
            ByteBuffer r = piece(recv, k);
            link.exchange(piece(send, k), r, what, timeout);
            if (r != null && done != null) {
                done.received(k * PIECE_BYTES, r.capacity());
            }
        }
    }

    private static int pieceCount(ByteBuffer b) {
        return (b.remaining() + PIECE_BYTES - 1) / PIECE_BYTES;
    }

    /** Piece k of a buffer (whole elements: PIECE_BYTES is a multiple of every element size), or null past its end. */
    private static ByteBuffer piece(ByteBuffer b, int k) {
        long off = (long) k * PIECE_BYTES;
        if (off >= b.remaining()) {
            return null;
        }
        return b.slice(b.position() + (int) off, (int) Math.min(PIECE_BYTES, b.remaining() - off));
    }

    /** Chunk i of {@code count} elements split as evenly as possible into n chunks (odd sizes welcome). */
    private ByteBuffer chunk(ByteBuffer b, long count, int i, int es) {
        long from = i * count / n;
        long to = (i + 1) * count / n;
        return b.slice(b.position() + (int) (from * es), (int) ((to - from) * es));
    }

    private int mod(int i) {
        return ((i % n) + n) % n;
    }

    private ByteBuffer scratchA(int bytes) {
        if (tmpA.capacity() < bytes) {
            tmpA = ByteBuffer.allocateDirect(bytes);
        }
        return tmpA.slice(0, bytes);
    }

    private ByteBuffer scratchB(int bytes) {
        if (tmpB.capacity() < bytes) {
            tmpB = ByteBuffer.allocateDirect(bytes);
        }
        return tmpB.slice(0, bytes);
    }

    private static void copy(ByteBuffer from, ByteBuffer to) {
        to.duplicate().put(from.duplicate());
    }
}
