package dev.mft.core.train;

import java.util.Arrays;

/**
 * One micro-batch as plain row-major int arrays [rows * cols]: what trainer-data hands to the training loop.
 * Labels are aligned with input ids (-100 = not trained); the loss shifts them. {@code realTokens} counts the
 * non-padding positions (for throughput).
 *
 * <p>{@code sampleIds} says which sample each position belongs to (an index into {@code sampleTasks}, -1 on padding):
 * a row holds one sample, or several packed ones, which must not attend to each other. {@code sampleTasks} gives
 * each sample's MFT task, which the multi-task loss weighting needs.
 */
public record TokenBatch(int rows, int cols, int[] inputIds, int[] labels, int[] positionIds, long realTokens,
        int[] sampleIds, int[] sampleTasks) {

    public static final int IGNORE = -100;

    public TokenBatch {
        int n = rows * cols;
        if (realTokens < 0 || realTokens > (long) n) {
            throw new IllegalArgumentException("realTokens must be in [0, rows*cols], got " + realTokens);
        }
        if (rows <= 0 || cols <= 0 || inputIds.length != n || labels.length != n || positionIds.length != n
                || sampleIds.length != n) {
            throw new IllegalArgumentException("TokenBatch arrays must all hold rows*cols = " + rows + "*" + cols
                    + " values; got ids " + inputIds.length + ", labels " + labels.length + ", positions "
                    + positionIds.length + ", sample ids " + sampleIds.length);
        }
        for (int s : sampleIds) {
            if (s < -1 || s >= sampleTasks.length) {
                throw new IllegalArgumentException("sample id " + s + " outside [-1, " + sampleTasks.length + ")");
            }
        }
    }

    /** One sample per row, all of task 0. */
    public TokenBatch(int rows, int cols, int[] inputIds, int[] labels, int[] positionIds, long realTokens) {
        this(rows, cols, inputIds, labels, positionIds, realTokens, rowSamples(rows, cols), new int[rows]);
    }

    /** A batch without padding (every position is a real token), one sample of task 0 per row. */
    public static TokenBatch unpadded(int rows, int cols, int[] inputIds, int[] labels) {
        int[] positions = new int[rows * cols];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i % cols;
        }
        return new TokenBatch(rows, cols, inputIds, labels, positions, (long) rows * cols);
    }

    private static int[] rowSamples(int rows, int cols) {
        int[] ids = new int[rows * cols];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i / cols;
        }
        return ids;
    }

    /** Whether some row holds more than one sample, so attention has to be masked block-diagonally. */
    public boolean packed() {
        for (int r = 0; r < rows; r++) {
            int first = sampleIds[r * cols];
            for (int t = 1; t < cols; t++) {
                int s = sampleIds[r * cols + t];
                if (s != first && s != -1) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Next-token targets: target[r][t] = labels[r][t+1], IGNORE at the last column (the causal shift). */
    public int[] shiftedTargets() {
        int[] out = new int[rows * cols];
        Arrays.fill(out, IGNORE);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(labels, r * cols + 1, out, r * cols, cols - 1);
        }
        return out;
    }

    /** The sample each shifted target belongs to (that of the label it predicts); -1 at the last column. */
    public int[] targetSamples() {
        int[] out = new int[rows * cols];
        Arrays.fill(out, -1);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(sampleIds, r * cols + 1, out, r * cols, cols - 1);
        }
        return out;
    }

    /** Number of tokens whose prediction is trained (targets != IGNORE after the shift). */
    public long trainedTokens() {
        long n = 0;
        for (int r = 0; r < rows; r++) {
            for (int t = 1; t < cols; t++) {
                if (labels[r * cols + t] != IGNORE) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Largest position id (sizes the rotary tables without a device round trip). */
    public int maxPosition() {
        int m = 0;
        for (int p : positionIds) {
            m = Math.max(m, p);
        }
        return m;
    }
}
