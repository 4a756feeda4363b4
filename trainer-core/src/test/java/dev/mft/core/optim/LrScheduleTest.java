package dev.mft.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void cosineWarmsUpLinearlyThenDecaysToMinLr() {
        LrSchedule s = new LrSchedule(LrSchedule.Type.COSINE, 1e-3, 1e-4, 4, 14);
        assertEquals(0.25e-3, s.lr(0), 1e-12);
        assertEquals(1e-3, s.lr(3), 1e-12);
        assertEquals(1e-3, s.lr(4), 1e-12); // start of decay
        // halfway through the 10 decay steps: min + (peak-min) * 0.5 * (1 + cos(pi/2)) = 5.5e-4
        assertEquals(5.5e-4, s.lr(9), 1e-12);
        assertEquals(1e-4, s.lr(14), 1e-12);
    }

    @Test
    void linearAndConstantShapes() {
        LrSchedule lin = new LrSchedule(LrSchedule.Type.LINEAR, 1.0, 0.0, 0, 10);
        assertEquals(1.0, lin.lr(0), 1e-12);
        assertEquals(0.7, lin.lr(3), 1e-12);
        LrSchedule c = new LrSchedule(LrSchedule.Type.CONSTANT, 0.5, 0.0, 3, 10);
        assertEquals(0.5, c.lr(0), 1e-12);
        LrSchedule cw = new LrSchedule(LrSchedule.Type.CONSTANT_WITH_WARMUP, 0.5, 0.0, 2, 10);
        assertEquals(0.25, cw.lr(0), 1e-12);
        assertEquals(0.5, cw.lr(9), 1e-12);
    }

    @Test
    void badValuesAreRefusedWithTheirNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.Type.parse("cosin"));
        assertEquals(true, e.getMessage().contains("lr_scheduler_type 'cosin'"));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(LrSchedule.Type.COSINE, 1e-4, 1e-3, 0, 10));
    }
}
