package dev.mft.distributed.collective;

import dev.mft.core.tensor.TorchDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/** Element-wise arithmetic on raw tensor bytes (native order) for the CPU collective. */
final class Reductions {
    private Reductions() {}

    static void checkSupported(TorchDType t) {
        if (t != TorchDType.FLOAT32 && t != TorchDType.FLOAT16 && t != TorchDType.BFLOAT16
                && t != TorchDType.FLOAT64) {
            throw new IllegalArgumentException("collectives work on float32, float16, bfloat16 and float64 tensors;"
                    + " got " + t);
        }
    }

    /** dst[i] += src[i] for every element of dst's remaining bytes (src has at least as many). */
    static void add(ByteBuffer dst, ByteBuffer src, TorchDType t) {
        switch (t) {
            case FLOAT32 -> {
                FloatBuffer d = floats(dst);
                FloatBuffer s = floats(src);
                for (int i = 0, n = d.remaining(); i < n; i++) {
                    d.put(i, d.get(i) + s.get(i));
                }
            }
            case FLOAT64 -> {
                DoubleBuffer d = doubles(dst);
                DoubleBuffer s = doubles(src);
                for (int i = 0, n = d.remaining(); i < n; i++) {
                    d.put(i, d.get(i) + s.get(i));
                }
            }
            case BFLOAT16 -> {
                ShortBuffer d = shorts(dst);
                ShortBuffer s = shorts(src);
                for (int i = 0, n = d.remaining(); i < n; i++) {
                    d.put(i, HalfFloats.floatToBf16(HalfFloats.bf16ToFloat(d.get(i)) + HalfFloats.bf16ToFloat(s.get(i))));
                }
            }
            case FLOAT16 -> {
                ShortBuffer d = shorts(dst);
                ShortBuffer s = shorts(src);
                for (int i = 0, n = d.remaining(); i < n; i++) {
                    d.put(i, HalfFloats.floatToFp16(HalfFloats.fp16ToFloat(d.get(i)) + HalfFloats.fp16ToFloat(s.get(i))));
                }
            }
            default -> checkSupported(t);
        }
    }

    /** x[i] /= divisor (AVG after SUM). */
    static void divide(ByteBuffer x, TorchDType t, int divisor) {
        switch (t) {
            case FLOAT32 -> {
                FloatBuffer d = floats(x);
                for (int i = 0, n = d.remaining(); i < n; i++) {
                    d.put(i, d.get(i) / divisor);
                }
            }
            case FLOAT64 -> {
                DoubleBuffer d = doubles(x);
                for (int i = 0, n = d.remaining(); i < n; i++) {
                    d.put(i, d.get(i) / divisor);
                }
            }
            case BFLOAT16 -> {
                ShortBuffer d = shorts(x);
                for (int i = 0, n = d.remaining(); i < n; i++) {
                    d.put(i, HalfFloats.floatToBf16(HalfFloats.bf16ToFloat(d.get(i)) / divisor));
                }
            }
            case FLOAT16 -> {
                ShortBuffer d = shorts(x);
                for (int i = 0, n = d.remaining(); i < n; i++) {
                    d.put(i, HalfFloats.floatToFp16(HalfFloats.fp16ToFloat(d.get(i)) / divisor));
                }
            }
            default -> checkSupported(t);
        }
    }

    private static FloatBuffer floats(ByteBuffer b) {
        return b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static DoubleBuffer doubles(ByteBuffer b) {
        return b.duplicate().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    private static ShortBuffer shorts(ByteBuffer b) {
        return b.duplicate().order(ByteOrder.nativeOrder()).asShortBuffer();
    }
}
