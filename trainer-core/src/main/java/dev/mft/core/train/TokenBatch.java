package dev.mft.core.train;

import java.util.Arrays;

/**
 * One micro-batch as plain row-major int arrays [rows * cols]: what trainer-data hands to the training loop.
 * Labels are aligned with input ids (-100 = not trained); the loss shifts them. {@code realTokens} counts the
 * non-padding positions (for throughput).
 */
public record TokenBatch(int rows, int cols, int[] inputIds, int[] labels, int[] positionIds, long realTokens) {

    public static final int IGNORE = -100;

    public TokenBatch {
        int n = rows * cols;
        if (realTokens < 0 || realTokens > (long) n) {
            throw new IllegalArgumentException("realTokens must be in [0, rows*cols], got " + realTokens);
        }
        if (rows <= 0 || cols <= 0 || inputIds.length != n || labels.length != n || positionIds.length != n) {
            throw new IllegalArgumentException("TokenBatch arrays must all hold rows*cols = " + rows + "*" + cols
                    + " values; got ids " + inputIds.length + ", labels " + labels.length + ", positions "
                    + positionIds.length);
        }
    }

    /** A batch without padding (every position is a real token). */
    public static TokenBatch unpadded(int rows, int cols, int[] inputIds, int[] labels) {
        int[] positions = new int[rows * cols];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i % cols;
        }
        return new TokenBatch(rows, cols, inputIds, labels, positions, (long) rows * cols);
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
