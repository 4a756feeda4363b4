package dev.mft.peft.quant;

import java.util.Arrays;

/**
 * bitsandbytes' signed 8-bit "dynamic" code ({@code create_dynamic_map(signed=True, max_exponent_bits=7,
 * total_bits=8)}), used to double-quantize NF4's absmax constants: for exponents 10^-6 .. 10^0, the midpoints of
 * 2^i evenly spaced steps over [0.1, 1], both signs, plus 0 and 1.0; 256 sorted values in [-0.993, 1].
 */
public final class DynamicMap {
    private DynamicMap() {}

    /** The 256 code values, sorted ascending (index = 8-bit code). */
    public static float[] signed() {
        final int exponents = 7;
        float[] data = new float[256];
        int k = 0;
        for (int i = 0; i < exponents; i++) {
            int items = (1 << i) + 1; // boundaries of 2^i intervals
            float[] bounds = linspace(0.1f, 1f, items);
            float scale = (float) Math.pow(10, -(exponents - 1) + i);
            for (int j = 0; j + 1 < items; j++) {
                float mean = (bounds[j] + bounds[j + 1]) / 2f;
                data[k++] = scale * mean;
                data[k++] = -scale * mean;
            }
        }
        data[k++] = 0f;
        data[k++] = 1f;
        if (k != 256) {
            throw new IllegalStateException("dynamic map has " + k + " values, expected 256");
        }
        Arrays.sort(data);
        return data;
    }

    /** torch.linspace in float32: start + i * step, the second half computed from the end as torch does. */
    private static float[] linspace(float start, float end, int steps) {
        float[] out = new float[steps];
        float step = (end - start) / (steps - 1);
        int half = steps / 2;
        for (int i = 0; i < steps; i++) {
            out[i] = i < half ? start + step * i : end - step * (steps - i - 1);
        }
        return out;
    }
}
