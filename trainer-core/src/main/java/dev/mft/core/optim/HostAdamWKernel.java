package dev.mft.core.optim;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The fused AdamW update over host (CPU) memory in one pass, written in Java.
 *
 * <p>Composed from tensor ops, AdamW passes over parameters, gradients and both moments about a dozen times (each op
 * reads and writes whole tensors); libtorch's fused kernel ({@code _fused_adamw_}) takes tensor lists, which the C
 * shim's dispatcher of 2.7.1 cannot pass. This kernel reads p, g, m, v once and writes p, m, v once: the minimum
 * memory traffic of the update. Two ways to run it, both with the same arithmetic and bits:
 * <ul>
 *   <li>with the Vector API ({@link VectorAdamW}) when the JVM has {@code jdk.incubator.vector} (bin/mft and the tests
 *       start it so): SIMD straight over the tensors' memory;
 *   <li>otherwise, each worker copies a block of every stream into small arrays (bulk copies, which stay in the L1/L2
 *       caches), runs a loop the JIT vectorizes, and copies the block back: about 1.6x slower (docs/benchmarks.md).
 * </ul>
 *
 * <p>The arithmetic is torch.optim.AdamW's in fp32, the gradient first multiplied by {@code gradScale} (the clip
 * factor, folded in so clipping costs no extra pass):
 * <pre>
 *   g = g * gradScale
 *   m = b1 * m + (1 - b1) * g
 *   v = b2 * v + (1 - b2) * g^2
 *   p = p * decay - stepSize * m / (sqrt(v) / sqrt(1 - b2^t) + eps)       decay = 1 - lr * wd, stepSize = lr / (1 - b1^t)
 * </pre>
 */
final class HostAdamWKernel {
    /** Elements per block of the copying kernel: 4 streams x 4 KiB stay in a core's L1 cache (8192 measured slower). */
    static final int BLOCK = 1024;

    /** Whether this JVM was started with the Vector API module (then {@link VectorAdamW} may be loaded). */
    static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /**
     * One parameter's (or a span of one's) four streams, fp32 in native byte order, contiguous, of equal length, and
     * its weight-decay factor. {@code grad} null: the gradient is known to be all zeros there (rows of an embedding
     * table no token of the step touched, see {@link TouchedRows}), so it is neither read nor cleared; the update is
     * the one a zero gradient gives, with the same bits.
     */
    record Segment(ByteBuffer param, ByteBuffer grad, ByteBuffer exp, ByteBuffer expSq, float decay) {
        Segment {
            int n = param.capacity();
            int g = grad == null ? n : grad.capacity();
            if (g != n || exp.capacity() != n || expSq.capacity() != n || n % Float.BYTES != 0) {
                throw new IllegalArgumentException("AdamW streams differ in length: param " + n + " bytes, grad "
                        + g + ", exp_avg " + exp.capacity() + ", exp_avg_sq " + expSq.capacity());
            }
        }

        int length() {
            return param.capacity() / Float.BYTES;
        }
    }

    /** The step's scalars (fp32, as torch computes them for fp32 tensors). */
    record Scalars(float beta1, float beta2, float eps, float stepSize, float bias2Sqrt, float gradScale) {}

    private final ExecutorService workers;
    private final int threads;
    private final boolean vector;

    /**
     * A kernel running on {@code threads} worker threads (daemons; the JVM may exit while they idle), with the Vector
     * API when {@code vector} (which needs {@link #VECTOR_API}) or with the copying loop otherwise.
     */
    HostAdamWKernel(int threads, boolean vector) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (vector && !VECTOR_API) {
            throw new IllegalStateException("the JVM was started without --add-modules jdk.incubator.vector");
        }
        this.threads = threads;
        this.vector = vector;
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "mft-adamw");
            t.setDaemon(true);
            return t;
        });
        warmUp();
    }

    /**
     * Runs the kernel on scratch data until the JIT has compiled it: interpreted, one update of 20M parameters takes
     * seconds instead of tens of milliseconds (the Vector API far longer), which would slow a run's first steps.
     */
    private void warmUp() {
        Scalars s = new Scalars(0.9f, 0.999f, 1e-8f, 1e-4f, 1f, 1f);
        if (vector) {
            // Until C2 has compiled it, every vector op allocates: a 20M-parameter update then made 400 MB of garbage
            // (+200 MB of peak RSS that stays), and long warm-up calls 130 MB. So: short calls (one vector and a tail),
            // enough of them to have C2 compile the kernel, then a pause while it does so in the background (behind
            // whatever the start-up queued), probing until a call runs at compiled speed (C1's allocating code takes
            // microseconds per call here, C2's well under one), for at most 3 s.
            int n = VectorAdamW.LANES + 3;
            ByteBuffer[] b = new ByteBuffer[4];
            for (int k = 0; k < b.length; k++) {
                b[k] = ByteBuffer.allocateDirect(n * Float.BYTES).order(java.nio.ByteOrder.nativeOrder());
            }
            // load the other direct-buffer classes first: C2 compiles the kernel assuming the loaded classes are all
            // there are, and loading one later (a float or read-only view) throws the compiled code away
            b[0].asFloatBuffer().get(0);
            b[0].asReadOnlyBuffer().asFloatBuffer().get(0);
            // every third call with a gradient known to be zero (null), so C2 compiles that branch too instead of
            // trapping out of the compiled kernel the first time a step passes one
            for (int i = 0; i < 6000; i++) {
                VectorAdamW.update(b[0], i % 3 == 0 ? null : b[1], b[2], b[3], 0, n, s, 1f, i % 2 == 0);
            }
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 100; i++) {
                    VectorAdamW.update(b[0], i % 3 == 0 ? null : b[1], b[2], b[3], 0, n, s, 1f, i % 2 == 0);
                }
                if (System.nanoTime() - t0 < 50_000) { // < 0.5 us a call: compiled
                    break;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return;
        }
        float[] p = new float[BLOCK], g = new float[BLOCK], m = new float[BLOCK], v = new float[BLOCK];
        for (int i = 0; i < 3000; i++) {
            blockUpdate(p, g, m, v, BLOCK, s, 1f);
        }
    }

    private static HostAdamWKernel shared;

    /**
     * The kernel of this process, with as many workers as libtorch has intra-op threads (remade when that number
     * changes): the update runs between libtorch's parallel regions, on the same cores.
     */
    static synchronized HostAdamWKernel shared() {
        int want = Math.max(1, dev.mft.core.tensor.TorchRuntime.threads());
        if (shared == null || shared.threads != want) {
            if (shared != null) {
                shared.close();
            }
            shared = new HostAdamWKernel(want, VECTOR_API);
        }
        return shared;
    }

    /**
     * One fused update of every segment; with {@code clearGradients} every gradient is zeroed in the same pass (for a
     * caller that zeroes them right after the step anyway).
     */
    void update(List<Segment> segments, Scalars s, boolean clearGradients) {
        List<Range> ranges = split(segments.stream().mapToInt(Segment::length).toArray());
        run(ranges, (range, scratch) -> {
            Segment seg = segments.get(range.segment);
            if (vector) {
                VectorAdamW.update(seg.param, seg.grad, seg.exp, seg.expSq, range.from, range.to, s, seg.decay,
                        clearGradients);
                return;
            }
            FloatBuffer param = seg.param.asFloatBuffer();
            FloatBuffer grad = seg.grad == null ? null : seg.grad.asFloatBuffer();
            FloatBuffer exp = seg.exp.asFloatBuffer(), expSq = seg.expSq.asFloatBuffer();
            float[] p = scratch[0], g = scratch[1], m = scratch[2], v = scratch[3];
            for (int at = range.from; at < range.to; at += BLOCK) {
                int n = Math.min(BLOCK, range.to - at);
                param.get(at, p, 0, n);
                if (grad != null) {
                    grad.get(at, g, 0, n);
                } else {
                    java.util.Arrays.fill(g, 0, n, 0f);
                }
                exp.get(at, m, 0, n);
                expSq.get(at, v, 0, n);
                blockUpdate(p, g, m, v, n, s, seg.decay);
                param.put(at, p, 0, n);
                exp.put(at, m, 0, n);
                expSq.put(at, v, 0, n);
                if (clearGradients && grad != null) {
                    grad.put(at, ZEROS, 0, n);
                }
            }
        });
    }

    /** A block of zeros to copy over a gradient block. */
    private static final float[] ZEROS = new float[BLOCK];

    /** The update of one block, in place in the arrays; a plain counted loop, which C2 vectorizes. */
    static void blockUpdate(float[] p, float[] g, float[] m, float[] v, int n, Scalars s, float decay) {
        float b1 = s.beta1(), b2 = s.beta2(), c1 = 1 - b1, c2 = 1 - b2;
        float eps = s.eps(), stepSize = s.stepSize(), bias2Sqrt = s.bias2Sqrt(), scale = s.gradScale();
        for (int i = 0; i < n; i++) {
            float gi = g[i] * scale;
            float mi = b1 * m[i] + c1 * gi;
            float vi = b2 * v[i] + c2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bias2Sqrt + eps;
            p[i] = p[i] * decay - stepSize * (mi / denom);
        }
    }

    /** A piece of one segment, [from, to), handed to one worker. */
    private record Range(int segment, int from, int to) {}

    /** Splits segments into pieces of about equal size, a few per thread so that uneven segments still balance. */
    private List<Range> split(int[] lengths) {
        long total = 0;
        for (int n : lengths) {
            total += n;
        }
        long target = Math.max(BLOCK * 16L, total / (threads * 4L) + 1);
        List<Range> out = new ArrayList<>();
        for (int s = 0; s < lengths.length; s++) {
            for (int from = 0; from < lengths[s]; ) {
                int to = (int) Math.min(lengths[s], from + target);
                out.add(new Range(s, from, to));
                from = to;
            }
        }
        return out;
    }

    @FunctionalInterface
    private interface RangeWork {
        void run(Range range, float[][] scratch);
    }

    /** Runs the ranges on the workers, each worker taking the next range from a shared counter. */
    private void run(List<Range> ranges, RangeWork work) {
        if (ranges.isEmpty()) {
            return;
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        int tasks = Math.min(threads, ranges.size());
        List<Future<?>> futures = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            futures.add(workers.submit(() -> {
                float[][] scratch = SCRATCH.get();
                for (int i; (i = next.getAndIncrement()) < ranges.size(); ) {
                    work.run(ranges.get(i), scratch);
                }
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during the AdamW update", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("AdamW kernel failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /** Four block-sized arrays per worker thread, made once. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][BLOCK]);

    /** Stops the workers (idle ones hold no memory but their stacks). */
    void close() {
        workers.shutdownNow();
    }
}
