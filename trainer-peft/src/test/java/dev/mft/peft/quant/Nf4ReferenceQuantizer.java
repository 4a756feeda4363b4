package dev.mft.peft.quant;

/**
 * A naive scalar NF4 + double-quantization implementation written from bitsandbytes' description, used as the test
 * oracle for {@link Nf4Codec}: nearest code by linear scan (ties to the lower code), blocks zero-padded.
 */
final class Nf4ReferenceQuantizer {
    final int[] codes; // one per weight
    final float[] absmax; // true absmax per block
    final float[] dequantizedAbsmax; // after double quantization
    final float[] dequantized; // per weight

    Nf4ReferenceQuantizer(float[] w) {
        int blocks = (w.length + 63) / 64;
        codes = new int[w.length];
        absmax = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            float max = 0;
            for (int i = b * 64; i < Math.min(w.length, (b + 1) * 64); i++) {
                max = Math.max(max, Math.abs(w[i]));
            }
            absmax[b] = max;
            float inv = 1f / Math.max(max, 1e-38f);
            for (int i = b * 64; i < Math.min(w.length, (b + 1) * 64); i++) {
                codes[i] = nearest(Nf4.CODE, Math.max(-1f, Math.min(1f, w[i] * inv)));
            }
        }
        double sum = 0;
        for (float a : absmax) {
            sum += a;
        }
        float offset = (float) (sum / blocks);
        float[] dyn = DynamicMap.signed();
        dequantizedAbsmax = new float[blocks];
        for (int g = 0; g * 256 < blocks; g++) {
            float max = 0;
            for (int b = g * 256; b < Math.min(blocks, (g + 1) * 256); b++) {
                max = Math.max(max, Math.abs(absmax[b] - offset));
            }
            float inv = 1f / Math.max(max, 1e-38f);
            for (int b = g * 256; b < Math.min(blocks, (g + 1) * 256); b++) {
                int q = nearest(dyn, Math.max(-1f, Math.min(1f, (absmax[b] - offset) * inv)));
                dequantizedAbsmax[b] = dyn[q] * max + offset;
            }
        }
        dequantized = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            dequantized[i] = Nf4.CODE[codes[i]] * dequantizedAbsmax[i / 64];
        }
    }

    /** Index of the code nearest to x; exactly between two codes, the lower one. */
    static int nearest(float[] code, float x) {
        int best = 0;
        for (int i = 1; i < code.length; i++) {
            float mid = (code[i - 1] + code[i]) / 2f;
            if (x > mid) {
                best = i;
            }
        }
        return best;
    }
}
