package dev.mft.distributed.collective;

import static org.bytedeco.cuda.global.cudart.cudaErrorNotReady;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;
import static org.bytedeco.cuda.global.nccl.ncclSuccess;

import ai.djl.ndarray.NDArray;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import dev.mft.distributed.rendezvous.StoreClient;
import java.time.Duration;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.Pointer;

/**
 * The GPU backend: NCCL through the JavaCPP presets, one communicator for the world group, on device pointers from
 * the tensor layer. Operations are enqueued on CUDA's default stream, the one libtorch computes on, so they are
 * ordered with the surrounding compute without host synchronization. NCCL itself never times out, so each operation
 * is watched: if it has not completed within the timeout (or NCCL reports an asynchronous error, e.g. a dead peer)
 * the communicator is aborted and the rank fails with a message, instead of hanging.
 */
public final class NcclCollective implements Collective {
    private static final int UNIQUE_ID_BYTES = 128;

    private final int rank;
    private final int worldSize;
    private final ncclComm comm;
    private final StoreClient store;
    private final Duration timeout;
    private long ops;
    private volatile String aborted;

    private NcclCollective(int rank, int worldSize, ncclComm comm, StoreClient store, Duration timeout) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.comm = comm;
        this.store = store;
        this.timeout = timeout;
    }

    /**
     * Loads NCCL ({@link NcclLibrary}), selects GPU {@code deviceIndex}, shares rank 0's unique id through the store
     * and initializes the communicator.
     *
     * @throws IllegalStateException naming what was searched when libnccl.so.2 is missing
     */
    public static NcclCollective connect(StoreClient store, int rank, int worldSize, int deviceIndex,
            Duration timeout) {
        NcclLibrary.load();
        checkCuda(cudart.cudaSetDevice(deviceIndex), "cudaSetDevice(" + deviceIndex + ")");
        ncclUniqueId id = new ncclUniqueId();
        byte[] bytes = new byte[UNIQUE_ID_BYTES];
        if (rank == 0) {
            checkNccl(nccl.ncclGetUniqueId(id), "ncclGetUniqueId");
            id.internal().get(bytes);
            store.set("nccl/unique_id", bytes);
        } else {
            bytes = store.get("nccl/unique_id", timeout);
            id.internal().put(bytes);
        }
        ncclComm comm = new ncclComm();
        checkNccl(nccl.ncclCommInitRank(comm, worldSize, id, rank), "ncclCommInitRank(rank " + rank + " of "
                + worldSize + ")");
        return new NcclCollective(rank, worldSize, comm, store, timeout);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public void allReduce(NDArray buffer, ReduceOp op) {
        String what = begin("all_reduce", buffer);
        checkNccl(nccl.ncclAllReduce(ptr(buffer), ptr(buffer), buffer.size(), dtype(buffer), op(op), comm, stream()),
                what);
        complete(what);
    }

    @Override
    public void reduceScatter(NDArray input, NDArray output, ReduceOp op) {
        String what = begin("reduce_scatter", input);
        checkNccl(nccl.ncclReduceScatter(ptr(input), ptr(output), output.size(), dtype(input), op(op), comm, stream()),
                what);
        complete(what);
    }

    @Override
    public void allGather(NDArray input, NDArray output) {
        allGatherAsync(input, output).await();
    }

    @Override
    public Pending allGatherAsync(NDArray input, NDArray output) {
        String what = begin("all_gather", output);
        checkNccl(nccl.ncclAllGather(ptr(input), ptr(output), input.size(), dtype(input), comm, stream()), what);
        return () -> complete(what); // already ordered on the stream: waiting is only for the timeout watch
    }

    @Override
    public void broadcast(NDArray buffer, int root) {
        String what = begin("broadcast", buffer);
        checkNccl(nccl.ncclBroadcast(ptr(buffer), ptr(buffer), buffer.size(), dtype(buffer), root, comm, stream()),
                what);
        complete(what);
    }

    @Override
    public void barrier() {
        // the host-side meeting point: the device has no tensor of ours to reduce here
        store.barrier("nccl-barrier-" + (++ops), timeout);
    }

    private String begin(String op, NDArray a) {
        if (aborted != null) {
            throw new CollectiveException("rank " + rank + ": the NCCL communicator was aborted earlier: " + aborted);
        }
        return op + " #" + (++ops) + " (" + TorchShim.get().dtypeOf(a) + " x " + a.size() + ")";
    }

    /** Waits for the stream to drain, watching for NCCL errors and the timeout. */
    private void complete(String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int[] async = new int[1];
        while (true) {
            int q = cudart.cudaStreamQuery(stream());
            if (q == cudaSuccess) {
                return;
            }
            if (q != cudaErrorNotReady) {
                abort(what + ": CUDA error " + cudart.cudaGetErrorString(q).getString());
            }
            nccl.ncclCommGetAsyncError(comm, async);
            if (async[0] != ncclSuccess) {
                abort(what + ": NCCL reported " + nccl.ncclGetErrorString(async[0]).getString()
                        + " (a peer died or the network failed)");
            }
            if (System.nanoTime() > deadline) {
                abort(what + " did not complete within " + timeout.toSeconds() + " s (a peer hangs or died)");
            }
            Thread.onSpinWait();
        }
    }

    private void abort(String why) {
        aborted = why;
        nccl.ncclCommAbort(comm);
        throw new CollectiveException("rank " + rank + ": " + why + "; the NCCL communicator was aborted");
    }

    private static CUstream_st stream() {
        return null; // CUDA's legacy default stream: libtorch's default stream too
    }

    private static Pointer ptr(NDArray a) {
        long address = TorchShim.get().dataPointer(a);
        return new Pointer() {
            {
                this.address = address;
            }
        };
    }

    private static int dtype(NDArray a) {
        TorchDType t = TorchShim.get().dtypeOf(a);
        return switch (t) {
            case FLOAT32 -> nccl.ncclFloat32;
            case FLOAT16 -> nccl.ncclFloat16;
            case BFLOAT16 -> nccl.ncclBfloat16;
            case FLOAT64 -> nccl.ncclFloat64;
            default -> throw new IllegalArgumentException("NCCL collectives here take float32/16, bfloat16 or float64,"
                    + " got " + t);
        };
    }

    private static int op(ReduceOp op) {
        return op == ReduceOp.SUM ? nccl.ncclSum : nccl.ncclAvg;
    }

    private static void checkNccl(int result, String what) {
        if (result != ncclSuccess) {
            throw new CollectiveException(what + " failed: " + nccl.ncclGetErrorString(result).getString());
        }
    }

    private static void checkCuda(int result, String what) {
        if (result != cudaSuccess) {
            throw new CollectiveException(what + " failed: " + cudart.cudaGetErrorString(result).getString());
        }
    }

    @Override
    public void close() {
        if (aborted == null) {
            nccl.ncclCommDestroy(comm);
        }
    }
}
