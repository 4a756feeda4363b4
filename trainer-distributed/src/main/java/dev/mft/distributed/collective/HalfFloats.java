package dev.mft.distributed.collective;

/**
 * fp16 and bf16 bit patterns to and from float (Java 17 has no Float.float16ToFloat), rounding to nearest even like
 * the hardware; NaN stays NaN, overflow becomes infinity.
 */
final class HalfFloats {
    private HalfFloats() {}

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40); // keep it a (quiet) NaN after dropping the low bits
        }
        int roundingBias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    static float fp16ToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf or NaN
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero): mant * 2^-24
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    static short floatToFp16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        float abs = Math.abs(f);
        if (abs >= 65520f) { // rounds past the largest fp16 (65504)
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x1p-14f) { // subnormal range: units of 2^-24, rounded half to even by Math.rint
            return (short) (sign | (int) Math.rint(abs * 0x1p24f));
        }
        int exp = ((bits >>> 23) & 0xff) - 112;
        int mant = bits & 0x7fffff;
        int half = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is still the right value
        }
        return (short) (sign | half);
    }
}
