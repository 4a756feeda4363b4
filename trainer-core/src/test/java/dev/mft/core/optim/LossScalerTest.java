package dev.mft.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LossScalerTest {
    @Test
    void halvesOnOverflowAndDoublesAfterTheGrowthInterval() {
        LossScaler s = new LossScaler(1024, 2, 0.5, 3);
        assertTrue(s.update(true));
        assertTrue(s.update(true));
        assertEquals(1024, s.scale());
        assertTrue(s.update(true)); // third good step in a row: grow
        assertEquals(2048, s.scale());
        assertFalse(s.update(false)); // overflow: skip and back off
        assertEquals(1024, s.scale());
        assertTrue(s.update(true));
        assertTrue(s.update(true));
        assertFalse(s.update(false)); // the good-step count restarts after an overflow
        assertEquals(512, s.scale());
        assertEquals(65536.0, LossScaler.torchDefaults().scale());
    }
}
