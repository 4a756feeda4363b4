package dev.mft.distributed.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Bit patterns from the IEEE 754 binary16 and bfloat16 definitions. */
class HalfFloatsTest {

    @Test
    void fp16KnownValuesRoundTrip() {
        assertEquals((short) 0x3c00, HalfFloats.floatToFp16(1f));
        assertEquals((short) 0xc000, HalfFloats.floatToFp16(-2f));
        assertEquals((short) 0x7bff, HalfFloats.floatToFp16(65504f)); // largest normal
        assertEquals((short) 0x0400, HalfFloats.floatToFp16(0x1p-14f)); // smallest normal
        assertEquals((short) 0x0001, HalfFloats.floatToFp16(0x1p-24f)); // smallest subnormal
        assertEquals((short) 0x7c00, HalfFloats.floatToFp16(1e6f)); // overflow -> inf
        assertEquals(65504f, HalfFloats.fp16ToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, HalfFloats.fp16ToFloat((short) 0x0001));
        assertEquals(-2f, HalfFloats.fp16ToFloat((short) 0xc000));
        assertTrue(Float.isNaN(HalfFloats.fp16ToFloat(HalfFloats.floatToFp16(Float.NaN))));
    }

    @Test
    void fp16RoundsHalfToEven() {
        // 1 + 2^-11 lies halfway between 1 (0x3c00, even) and 1 + 2^-10 (0x3c01): ties go to even
        assertEquals((short) 0x3c00, HalfFloats.floatToFp16(1f + 0x1p-11f));
        // 1 + 3 * 2^-11 lies halfway between 0x3c01 (odd) and 0x3c02 (even)
        assertEquals((short) 0x3c02, HalfFloats.floatToFp16(1f + 3 * 0x1p-11f));
    }

    @Test
    void bf16IsTheTopHalfOfFloatRoundedToNearestEven() {
        assertEquals((short) 0x3f80, HalfFloats.floatToBf16(1f));
        assertEquals((short) 0xc020, HalfFloats.floatToBf16(-2.5f));
        // 1 + 2^-8 is halfway between 1 (0x3f80) and 1 + 2^-7 (0x3f81): ties to even
        assertEquals((short) 0x3f80, HalfFloats.floatToBf16(1f + 0x1p-8f));
        assertEquals((short) 0x3f81, HalfFloats.floatToBf16(1f + 0x1p-8f + 0x1p-20f));
        assertEquals(-2.5f, HalfFloats.bf16ToFloat((short) 0xc020));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
    }
}
