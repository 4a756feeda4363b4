package dev.mft.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mft.core.train.TokenBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fixed weighting modes on a hand-computed two-task example. Trained token losses (CE values, made up):
 * sample A (task 0) [1, 3], sample B (task 0) [5], sample C (task 1) [6, 4, 2]; A and C in micro-batch 1 (C packed
 * behind A in one row), B in micro-batch 2. By hand:
 * <pre>
 * case1 (1+3+5+6+4+2)/6                         = 3.5
 * case2 mean(2, 5, 4)                           = 11/3
 * case3 w=(1,3): L0 = 9/3 = 3, L1 = 12/3 = 4;    (1*3 + 3*4)/4   = 3.75
 * case4 w=(1,3): L0 = mean(2, 5) = 3.5, L1 = 4;  (1*3.5 + 3*4)/4 = 3.875
 * </pre>
 */
class TaskWeightingTest {

    private static final int X = TokenBatch.IGNORE;
    // micro-batch 1: one packed row: A = positions 0..2 (labels on 1, 2), C = positions 3..6 (labels on 4, 5, 6)
    private static final TokenBatch MB1 = new TokenBatch(1, 7, new int[] {1, 2, 3, 4, 5, 6, 7},
            new int[] {X, 2, 3, X, 5, 6, 7}, new int[] {0, 1, 2, 0, 1, 2, 3}, 7,
            new int[] {0, 0, 0, 1, 1, 1, 1}, new int[] {0, 1});
    // micro-batch 2: B = positions 0..1 (label on 1), then padding
    private static final TokenBatch MB2 = new TokenBatch(1, 4, new int[] {8, 9, 0, 0}, new int[] {X, 9, X, X},
            new int[] {0, 1, 2, 3}, 2, new int[] {0, 0, -1, -1}, new int[] {0});
    // CE per shifted target (position p predicts label p + 1), 0 where untrained
    private static final float[] L1 = {1, 3, 0, 6, 4, 2, 0};
    private static final float[] L2 = {5, 0, 0, 0};

    private static double loss(LossWeighting w) {
        float[][] weights = w.tokenWeights(List.of(MB1, MB2));
        double sum = 0;
        for (int p = 0; p < L1.length; p++) {
            sum += L1[p] * weights[0][p];
        }
        for (int p = 0; p < L2.length; p++) {
            sum += L2[p] * weights[1][p];
        }
        return sum;
    }

    @Test
    void eachModeGivesItsHandComputedLossOverTheWholeStep() {
        double[] w13 = {1, 3};
        assertEquals(3.5, loss(new TaskWeighting(TaskWeighting.Mode.CASE1, w13)), 1e-6);
        assertEquals(11.0 / 3, loss(new TaskWeighting(TaskWeighting.Mode.CASE2, w13)), 1e-6);
        assertEquals(3.75, loss(new TaskWeighting(TaskWeighting.Mode.CASE3, w13)), 1e-6);
        assertEquals(3.875, loss(new TaskWeighting(TaskWeighting.Mode.CASE4, w13)), 1e-6);
        // equal weights: case3 = (3 + 4) / 2
        assertEquals(3.5, loss(new TaskWeighting(TaskWeighting.Mode.CASE3, new double[] {1, 1})), 1e-6);
    }

    @Test
    void case1WeighsEveryTrainedTokenOneOverTheStepsTokensAndNothingElse() {
        float[][] w = LossWeighting.tokenMean().tokenWeights(List.of(MB2, MB2));
        assertArrayEquals(new float[] {0.5f, 0, 0, 0}, w[0]);
        assertArrayEquals(new float[] {0.5f, 0, 0, 0}, w[1]);
    }

    @Test
    void aTaskAbsentFromTheStepDoesNotDiluteThePresentOnes() {
        // only task 0 present: case3 = L0 whatever task 1's weight
        TaskWeighting w = new TaskWeighting(TaskWeighting.Mode.CASE3, new double[] {2, 100});
        float[][] weights = w.tokenWeights(List.of(MB2));
        assertEquals(1f, weights[0][0], 1e-7);
    }
}
