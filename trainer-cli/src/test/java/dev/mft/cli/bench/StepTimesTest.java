package dev.mft.cli.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StepTimesTest {

    // cumulative clock of 5 steps: durations 1.0, 0.5, 1.0, 0.3, 0.8 s
    private static final List<Double> ELAPSED = List.of(1.0, 1.5, 2.5, 2.8, 3.6);

    @Test
    void dropsWarmupStepsAndDifferencesTheCumulativeClock() {
        StepTimes t = StepTimes.fromCumulative(ELAPSED, 2);
        assertArrayEquals(new double[] {1.0, 0.3, 0.8}, t.seconds(), 1e-12);
        assertEquals(0.8, t.median(), 1e-12); // sorted 0.3, 0.8, 1.0
        assertEquals(0.7, t.mean(), 1e-12); // 2.1 / 3
        assertEquals(512 / 0.8, t.tokensPerSecond(512), 1e-9);
    }

    @Test
    void withoutWarmupTheFirstStepCountsFromTheStartOfTraining() {
        StepTimes t = StepTimes.fromCumulative(ELAPSED, 0);
        assertArrayEquals(new double[] {1.0, 0.5, 1.0, 0.3, 0.8}, t.seconds(), 1e-12);
        assertEquals(0.8, t.median(), 1e-12); // sorted 0.3, 0.5, 0.8, 1.0, 1.0
        assertEquals(0.72, t.mean(), 1e-12); // 3.6 / 5
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleSteps() {
        StepTimes t = StepTimes.fromCumulative(ELAPSED, 1); // 0.5, 1.0, 0.3, 0.8
        assertEquals(0.65, t.median(), 1e-12); // (0.5 + 0.8) / 2
        assertEquals(0.65, t.mean(), 1e-12); // 2.6 / 4
    }

    @Test
    void lastStepsDifferencesOnlyTheTailOfTheClock() {
        assertArrayEquals(new double[] {1.0, 0.3, 0.8}, StepTimes.lastSteps(ELAPSED, 3).seconds(), 1e-12);
        assertArrayEquals(new double[] {0.5, 1.0, 0.3, 0.8}, StepTimes.lastSteps(ELAPSED, 4).seconds(), 1e-12);
        // as many as were logged, the first counted from the start of training
        assertArrayEquals(new double[] {1.0, 0.5, 1.0, 0.3, 0.8}, StepTimes.lastSteps(ELAPSED, 5).seconds(), 1e-12);
        assertArrayEquals(new double[] {1.0, 0.5, 1.0, 0.3, 0.8}, StepTimes.lastSteps(ELAPSED, 10).seconds(), 1e-12);
        assertArrayEquals(new double[] {1.0}, StepTimes.lastSteps(List.of(1.0), 10).seconds(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> StepTimes.lastSteps(List.of(), 10));
    }

    @Test
    void refusesAWarmupThatLeavesNoTimedStep() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StepTimes.fromCumulative(ELAPSED, 5));
        assertEquals("need 0 <= warmup < logged steps; got warmup 5 of 5 steps", e.getMessage());
    }
}
