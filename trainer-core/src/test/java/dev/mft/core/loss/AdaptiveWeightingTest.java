package dev.mft.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** selfpaced and coba weights against values worked out by hand (with a calculator) from MFTCoder's formulas. */
class AdaptiveWeightingTest {

    @Test
    void slopesAreLeastSquaresOverThePresentPoints() {
        assertEquals(-1.0, WindowSlope.of(List.of(3.0, 2.0, 1.0)), 1e-12);
        assertEquals(0.5, WindowSlope.of(List.of(1.0, 0.0, 2.0)), 1e-12); // the 0 is missing: (0,1), (2,2)
        assertEquals(0.0, WindowSlope.of(List.of(4.0)), 0);
    }

    @Test
    void selfPacedFavoursTheTaskWhoseValidationLossFallsFastest() {
        // slopes -1 and 0: s = 2 * slope / 1 = (-2, 0); softmax(s) = (0.1192029, 0.8807971); score = (0.2384058, 0)
        SelfPacedWeighting one = new SelfPacedWeighting(new double[] {1, 1}, 1, 3, 1, 1);
        SelfPacedWeighting fifty = new SelfPacedWeighting(new double[] {1, 1}, 1, 3, 1, 50);

        assertArrayEquals(new double[] {0.5593207573, 0.4406792427}, one.weights(new double[] {-1, 0}), 1e-9);
        assertArrayEquals(new double[] {0.9999933460, 6.6539569e-6}, fifty.weights(new double[] {-1, 0}), 1e-9);
        assertArrayEquals(new double[] {0.5, 0.5}, one.weights(new double[] {0, 0}), 0);
    }

    @Test
    void selfPacedKeepsTheConfiguredWeightsUntilItHasAFullHistory() {
        SelfPacedWeighting w = new SelfPacedWeighting(new double[] {1, 2}, 1, 3, 1, 1);
        assertTrue(w.wantsValidation(0));
        w.observeValidation(0, new double[] {3, 1});
        w.observeValidation(1, new double[] {2, 1});
        assertArrayEquals(new double[] {1, 2}, w.taskWeights(), 0);
        w.observeValidation(3, new double[] {1, 1}); // histories (3,2,1) and (1,1,1): slopes -1 and 0
        assertArrayEquals(new double[] {0.5593207573, 0.4406792427}, w.taskWeights(), 1e-9);
    }

    @Test
    void cobaMixesRelativeAndAbsoluteConvergenceByTheDivergenceFactor() {
        CobaWeighting w = new CobaWeighting(new double[] {1, 1}, 0, 10, 5, 1, 1);
        // RCS = softmax(2 * (-0.5, -0.1) / 0.6) = (0.2086085, 0.7913915)
        // ACS = softmax(-2 * (-0.5 / 0.7, -0.1 / 0.4)) = (0.7167854, 0.2832146)
        // DF = softmax(-2 * (-0.4, -0.2) / 0.6 * 5)[1] * 2 = 0.0688904
        double[] weights = w.weights(new double[] {-0.5, -0.1},
                List.of(new double[] {-0.2, -0.3}, new double[] {-0.5, -0.1}), List.of(-0.4, -0.2));
        assertArrayEquals(new double[] {0.6741702065, 0.3258297935}, weights, 1e-9);
    }

    @Test
    void cobaFloorsEveryWeightAtATenthOfUniform() {
        CobaWeighting w = new CobaWeighting(new double[] {1, 1}, 0, 10, 5, 1, 1);
        // DF = 2.99990 > 1 drives the logits apart: raw weights (0.00049245, 0.99950755) are floored to
        // w * (1 - 2 / 20) + 1 / 20
        double[] weights = w.weights(new double[] {-0.9, 0.1},
                List.of(new double[] {0.3, -0.3}, new double[] {-0.9, 0.1}), List.of(0.3, 0.2, -0.5));
        assertArrayEquals(new double[] {0.0504432011, 0.9495567989}, weights, 1e-9);
    }

    @Test
    void cobaNormalizesByTheFirstObservationAndStartsAfterWarmup() {
        CobaWeighting w = new CobaWeighting(new double[] {1, 1}, 2, 10, 5, 1, 1);
        w.observeValidation(0, new double[] {4, 2});
        w.observeValidation(1, new double[] {3, 2});
        assertArrayEquals(new double[] {1, 1}, w.taskWeights(), 0);
        w.observeValidation(2, new double[] {2, 2}); // normalized (1, .75, .5) and (1, 1, 1): slopes -0.25 and 0
        // first update: DF = 1 (one overall slope), so w = softmax(2 * RCS), RCS = softmax(-2, 0)
        assertArrayEquals(new double[] {0.1789925040, 0.8210074960}, w.taskWeights(), 1e-9);
    }
}
