package dev.mft.core.train;

/**
 * How long and how the loop runs; the optimizer and schedule are built separately.
 *
 * @param epochs num_train_epochs
 * @param maxSteps max_train_steps (optimizer steps), 0 = no limit beyond epochs
 * @param gradientAccumulation micro-batches per optimizer step
 * @param maxGradNorm global-norm clip, <= 0 disables clipping
 * @param logInterval log every N optimizer steps (and always the last)
 * @param maxNonFiniteSteps stop the run after this many steps in a row with a NaN/Inf loss or gradient norm (each one
 *     is skipped: no weight update)
 * @param gradientCheckpointing recompute each decoder layer in backward instead of keeping its activations
 * @param lossChunkTokens how many tokens the lm_head and the loss take at a time, each chunk's logits freed after its
 *     backward (same loss and gradients up to summation order): N > 0 tokens, {@link #AUTO_CHUNK} (0) chunks of at
 *     most {@link #chunkBytes} of fp32 logits when a micro-batch's logits are larger, {@link #NO_CHUNKS} (-1) the
 *     whole micro-batch at once. Applies on one device without gradient checkpointing and with one task.
 */
public record TrainerSettings(int epochs, int maxSteps, int gradientAccumulation, double maxGradNorm,
        int logInterval, int maxNonFiniteSteps, boolean gradientCheckpointing, int lossChunkTokens) {

    /** lossChunkTokens: chunk when a micro-batch's logits exceed {@link #chunkBytes}. */
    public static final int AUTO_CHUNK = 0;
    /** lossChunkTokens: never chunk: the whole micro-batch's logits at once, through plain autograd (the reference path). */
    public static final int NO_CHUNKS = -1;

    /** Default limit of non-finite steps in a row. */
    public static final int DEFAULT_MAX_NON_FINITE_STEPS = 5;

    public TrainerSettings(int epochs, int maxSteps, int gradientAccumulation, double maxGradNorm, int logInterval,
            int maxNonFiniteSteps, boolean gradientCheckpointing) {
        this(epochs, maxSteps, gradientAccumulation, maxGradNorm, logInterval, maxNonFiniteSteps, gradientCheckpointing,
                AUTO_CHUNK);
    }

    public TrainerSettings(int epochs, int maxSteps, int gradientAccumulation, double maxGradNorm, int logInterval) {
        this(epochs, maxSteps, gradientAccumulation, maxGradNorm, logInterval, DEFAULT_MAX_NON_FINITE_STEPS, false);
    }

    public TrainerSettings(int epochs, int maxSteps, int gradientAccumulation, double maxGradNorm, int logInterval,
            int maxNonFiniteSteps) {
        this(epochs, maxSteps, gradientAccumulation, maxGradNorm, logInterval, maxNonFiniteSteps, false);
    }

    public TrainerSettings {
        if (lossChunkTokens < NO_CHUNKS) {
            throw new IllegalArgumentException("loss_chunk_tokens must be -1 (never chunk), 0 (auto) or a token"
                    + " count; got " + lossChunkTokens);
        }
        if (maxNonFiniteSteps <= 0) {
            throw new IllegalArgumentException("max_non_finite_steps must be > 0, got " + maxNonFiniteSteps);
        }
        if (epochs <= 0 || maxSteps < 0 || gradientAccumulation <= 0 || logInterval <= 0) {
            throw new IllegalArgumentException("need num_train_epochs > 0, max_train_steps >= 0,"
                    + " gradient_accumulation_steps > 0 and log_interval > 0; got " + epochs + ", " + maxSteps + ", "
                    + gradientAccumulation + ", " + logInterval);
        }
    }

    /**
     * Budget of fp32 logits per chunk under {@link #AUTO_CHUNK}. On a GPU 1 GiB: only memory counts there. On the CPU
     * {@link #cpuChunkBytes} of this machine's last-level cache.
     */
    public static long chunkBytes(boolean gpu) {
        return gpu ? 1L << 30 : CPU_CHUNK_BYTES;
    }

    private static final long CPU_CHUNK_BYTES = cpuChunkBytes(lastLevelCacheBytes());

    /**
     * The CPU budget for a last-level cache of {@code cacheBytes} (0: unknown): the cache's size, within 16 and
     * 64 MiB. A chunk's [tokens, vocab] operands should stay in the cache across the head's three matmuls (measured: a
     * 32 MiB L3 ran the [512, 32000] x [32000, 256] gradient matmul at 100 GFLOP/s against 168 at 262 tokens; a 480 MiB
     * L3 made one 508-token chunk 2% faster a step than two of 262), and never above 64 MiB: glibc serves larger
     * blocks of a thread's (non-main) arena with mmap and unmaps them on free, so every step's logits and gradients
     * would be page-faulted in afresh (measured: 4.4x slower steps with 524 MB blocks). Unknown: 32 MiB.
     */
    static long cpuChunkBytes(long cacheBytes) {
        if (cacheBytes <= 0) {
            return 32L << 20;
        }
        return Math.max(16L << 20, Math.min(64L << 20, cacheBytes));
    }

    /** The largest cache of CPU 0 as Linux reports it (/sys/devices/system/cpu/cpu0/cache), or 0 when unknown. */
    static long lastLevelCacheBytes() {
        java.nio.file.Path dir = java.nio.file.Path.of("/sys/devices/system/cpu/cpu0/cache");
        long largest = 0;
        try (var entries = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path index : (Iterable<java.nio.file.Path>) entries::iterator) {
                java.nio.file.Path size = index.resolve("size");
                if (index.getFileName().toString().startsWith("index") && java.nio.file.Files.isReadable(size)) {
                    largest = Math.max(largest, parseCacheSize(java.nio.file.Files.readString(size).trim()));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return 0; // not Linux, or no sysfs: the default budget
        }
        return largest;
    }

    /** Linux's cache size notation: "491520K", "32768K", "2M", or bytes; 0 when unreadable. */
    static long parseCacheSize(String text) {
        try {
            char unit = text.isEmpty() ? ' ' : Character.toUpperCase(text.charAt(text.length() - 1));
            long shift = unit == 'K' ? 10 : unit == 'M' ? 20 : unit == 'G' ? 30 : 0;
            String digits = shift == 0 ? text : text.substring(0, text.length() - 1);
            return Long.parseLong(digits) << shift;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Tokens per lm_head/loss chunk for a micro-batch of {@code tokens} tokens and a vocabulary of {@code vocab}, or 0
     * for the whole micro-batch at once.
     */
    public int chunkTokens(int tokens, int vocab, boolean gpu) {
        if (lossChunkTokens == NO_CHUNKS) {
            return 0;
        }
        if (lossChunkTokens == AUTO_CHUNK) {
            return autoChunkTokens(tokens, vocab, gpu);
        }
        return lossChunkTokens < tokens ? lossChunkTokens : 0;
    }

    /** Tokens per chunk of the head path (ChunkedLmLoss): {@link #chunkTokens}, or all of them where they fit. */
    public int headChunkTokens(int tokens, int vocab, boolean gpu) {
        int chunk = chunkTokens(tokens, vocab, gpu);
        return chunk > 0 ? chunk : tokens;
    }

    /** {@link #headChunkTokens} under {@link #AUTO_CHUNK} (evaluation, which has no settings). */
    public static int autoHeadChunkTokens(int tokens, int vocab, boolean gpu) {
        int chunk = autoChunkTokens(tokens, vocab, gpu);
        return chunk > 0 ? chunk : tokens;
    }

    /** {@link #AUTO_CHUNK}'s choice: tokens per chunk within {@link #chunkBytes} of fp32 logits, or 0 when all fit. */
    public static int autoChunkTokens(int tokens, int vocab, boolean gpu) {
        int chunk = (int) Math.max(1, Math.min(Integer.MAX_VALUE, chunkBytes(gpu) / (4L * vocab)));
        return chunk < tokens ? chunk : 0;
    }

    /** Optimizer steps of the whole run for a data size. */
    public int totalSteps(int batchesPerEpoch) {
        int perEpoch = stepsPerEpoch(batchesPerEpoch);
        long total = (long) perEpoch * epochs;
        if (maxSteps > 0) {
            total = Math.min(total, maxSteps);
        }
        return (int) total;
    }

    /** Optimizer steps per epoch: a last partial accumulation group still makes a step. */
    public int stepsPerEpoch(int batchesPerEpoch) {
        return (batchesPerEpoch + gradientAccumulation - 1) / gradientAccumulation;
    }
}
