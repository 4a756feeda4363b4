package dev.mft.distributed.collective;

import ai.djl.ndarray.NDArray;

/**
 * Collective communication among the ranks of one process group, on contiguous fp32 / bf16 / fp16 / fp64 tensors
 * (fp64 carries exact host sums such as token counts). Every rank must make the same calls in the same order. Every
 * call has a timeout, and a peer that dies or hangs becomes an error on every rank, never a hang.
 */
public interface Collective extends AutoCloseable {

    int rank();

    int worldSize();

    /** In place: every rank ends with the element-wise reduction of all ranks' {@code buffer}. */
    void allReduce(NDArray buffer, ReduceOp op);

    /**
     * {@code input} holds worldSize chunks of {@code output}'s size; rank r's {@code output} gets the reduction of
     * every rank's chunk r. {@code output} may be {@code input}'s own chunk r (in place).
     */
    void reduceScatter(NDArray input, NDArray output, ReduceOp op);

    /**
     * {@code output} holds worldSize chunks of {@code input}'s size; chunk r comes from rank r. {@code input} may be
     * {@code output}'s own chunk (in place).
     */
    void allGather(NDArray input, NDArray output);

    /** {@link #allGather} started in the background, ordered after every earlier call (for prefetching). */
    Pending allGatherAsync(NDArray input, NDArray output);

    /** In place: every rank ends with {@code root}'s {@code buffer}. */
    void broadcast(NDArray buffer, int root);

    /** Returns once every rank has called it. */
    void barrier();

    @Override
    void close();

    /** A background operation; the tensors it uses must stay alive until {@link #await} returns. */
    @FunctionalInterface
    interface Pending {
        /** Waits for completion; rethrows the operation's failure. */
        void await();
    }
}
