package dev.mft.distributed.collective;

import ai.djl.ndarray.NDArray;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import dev.mft.distributed.rendezvous.StoreClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The CPU backend (what gloo is to PyTorch): ring algorithms over TCP between CPU tensors, read and written in place
 * through their raw memory. Operations run one at a time, in call order, on one communication thread, so an
 * {@link #allGatherAsync} overlaps the caller's compute. After any failure the ring is closed, so the neighbours fail
 * too and the error travels to every rank instead of leaving them waiting.
 */
public final class TcpRingCollective implements Collective {
    private final int rank;
    private final int worldSize;
    private final RingLink link;
    private final RingAlgorithms ring;
    private final ExecutorService comm;
    private long ops;
    private volatile RuntimeException broken;

    private TcpRingCollective(int rank, int worldSize, RingLink link, Duration timeout) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.link = link;
        this.ring = link == null ? null : new RingAlgorithms(link, rank, worldSize, timeout);
        this.comm = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mft-collective-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds the ring: addresses are exchanged through the run's store; {@code timeout} bounds the setup and every
     * later operation.
     */
    public static TcpRingCollective connect(StoreClient store, String runId, int rank, int worldSize,
            Duration timeout) {
        if (worldSize == 1) {
            return new TcpRingCollective(0, 1, null, timeout);
        }
        try {
            return new TcpRingCollective(rank, worldSize, RingLink.connect(store, runId, rank, worldSize, timeout),
                    timeout);
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": setting up the TCP ring failed: " + e.getMessage(), e);
        }
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
        TorchDType t = dtype(buffer);
        ByteBuffer b = bytes(buffer);
        String what = what("all_reduce", buffer);
        run(() -> ring.allReduce(b, t, op, what));
    }

    @Override
    public void reduceScatter(NDArray input, NDArray output, ReduceOp op) {
        TorchDType t = sameDtype(input, output);
        checkChunks(input, output, "reduce_scatter");
        ByteBuffer in = bytes(input);
        ByteBuffer out = bytes(output);
        if (worldSize == 1) {
            out.duplicate().put(in.duplicate()); // a single rank's reduction is its own input
            return;
        }
        String what = what("reduce_scatter", input);
        run(() -> ring.reduceScatter(in, out, t, op, what));
    }

    @Override
    public void allGather(NDArray input, NDArray output) {
        allGatherAsync(input, output).await();
    }

    @Override
    public Pending allGatherAsync(NDArray input, NDArray output) {
        sameDtype(input, output);
        checkChunks(output, input, "all_gather");
        boolean inPlace = TorchShim.get().dataPointer(input) == TorchShim.get().dataPointer(output)
                + (long) rank * input.size() * dtype(input).byteSize();
        ByteBuffer in = bytes(input);
        ByteBuffer out = bytes(output);
        String what = what("all_gather", output);
        if (worldSize == 1) {
            if (!inPlace) {
                out.duplicate().put(in.duplicate());
            }
            return () -> { };
        }
        Future<?> f = submit(() -> ring.allGather(in, out, inPlace, what));
        return () -> await(f);
    }

    @Override
    public void broadcast(NDArray buffer, int root) {
        if (root < 0 || root >= worldSize) {
            throw new IllegalArgumentException("broadcast root " + root + " is outside 0.." + (worldSize - 1));
        }
        ByteBuffer b = bytes(buffer);
        String what = what("broadcast", buffer);
        run(() -> ring.broadcast(b, root, what));
    }

    @Override
    public void barrier() {
        ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        if (worldSize > 1) {
            String what = "barrier #" + (++ops);
            await(submit(() -> ring.allReduce(one, TorchDType.FLOAT64, ReduceOp.SUM, what)));
        }
    }

    private interface RingOp {
        void run() throws IOException;
    }

    private void run(RingOp op) {
        if (worldSize > 1) {
            await(submit(op));
        }
    }

    private Future<?> submit(RingOp op) {
        if (broken != null) {
            throw new CollectiveException("rank " + rank + ": the ring failed earlier: " + broken.getMessage(), broken);
        }
        return comm.submit(() -> {
            try {
                op.run();
            } catch (IOException | RuntimeException e) {
                RuntimeException err = e instanceof RuntimeException ? (RuntimeException) e
                        : new CollectiveException("rank " + rank + ": " + e.getMessage(), e);
                broken = err;
                link.close(); // neighbours see the connection drop and fail too, instead of waiting for us
                throw err;
            }
            return null;
        });
    }

    private void await(Future<?> f) {
        try {
            f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException ? (RuntimeException) c : new CollectiveException(c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("rank " + rank + ": interrupted while waiting for a collective", e);
        }
    }

    private String what(String op, NDArray a) {
        return op + " #" + (++ops) + " (" + dtype(a).name().toLowerCase(java.util.Locale.ROOT) + " x " + a.size() + ")";
    }

    private static TorchDType dtype(NDArray a) {
        TorchDType t = TorchShim.get().dtypeOf(a);
        Reductions.checkSupported(t);
        return t;
    }

    private static TorchDType sameDtype(NDArray a, NDArray b) {
        TorchDType t = dtype(a);
        if (dtype(b) != t) {
            throw new IllegalArgumentException("collective input and output dtypes differ: " + t + " vs " + dtype(b));
        }
        return t;
    }

    private void checkChunks(NDArray whole, NDArray chunk, String op) {
        if (whole.size() != chunk.size() * worldSize) {
            throw new IllegalArgumentException(op + ": the whole buffer must hold world_size (" + worldSize
                    + ") chunks of " + chunk.size() + " elements; it holds " + whole.size());
        }
    }

    private static ByteBuffer bytes(NDArray a) {
        long bytes = a.size() * TorchShim.get().dtypeOf(a).byteSize();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the TCP backend moves at most 2 GiB per collective; got " + bytes
                    + " bytes (lower reduce_bucket_size / allgather_bucket_size)");
        }
        return TorchShim.get().hostBytes(a);
    }

    @Override
    public void close() {
        comm.shutdownNow();
        if (link != null) {
            link.close();
        }
    }
}
