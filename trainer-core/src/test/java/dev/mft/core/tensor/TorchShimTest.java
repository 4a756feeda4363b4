package dev.mft.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.engine.PtNDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TorchShimTest {

    @Test
    void everyRequiredSymbolResolves() {
        // get() throws naming the missing symbols; reaching the assertion means all resolved
        TorchShim shim = TorchShim.get();
        assertEquals(new java.util.HashSet<>(TorchShim.REQUIRED_SYMBOLS).size(), TorchShim.REQUIRED_SYMBOLS.size());
        assertNotEquals(shim.dtypeCode(TorchDType.FLOAT32), shim.dtypeCode(TorchDType.BFLOAT16));
    }

    @Test
    void bf16BytesFromBufferConvertToExactFloats() {
        TorchShim shim = TorchShim.get();
        // bf16 is the top half of an fp32: 1.0f = 0x3F80, -2.5f = 0xC020, 0.15625f = 0x3E20
        ByteBuffer buf = ByteBuffer.allocateDirect(6).order(ByteOrder.LITTLE_ENDIAN);
        buf.putShort((short) 0x3F80).putShort((short) 0xC020).putShort((short) 0x3E20).flip();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray bf16 = shim.fromBuffer(m, buf, 0, TorchDType.BFLOAT16, new long[] {3});
            assertEquals(TorchDType.BFLOAT16, shim.dtypeOf(bf16));
            NDArray f32 = shim.cast(bf16, TorchDType.FLOAT32);
            assertArrayEquals(new float[] {1.0f, -2.5f, 0.15625f}, f32.toFloatArray());
        }
    }

    @Test
    void bucketizeCountsTheBoundariesStrictlyBelowEachValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray bounds = m.create(new float[] {-0.5f, 0f, 0.5f});
            NDArray x = m.create(new float[] {-1f, -0.5f, -0.2f, 0f, 0.3f, 0.5f, 0.9f});
            NDArray idx = TorchShim.get().bucketize(x, bounds);
            assertEquals(DataType.INT32, idx.getDataType());
            // a value equal to a boundary counts it as not below: ties fall to the lower bucket
            assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3}, idx.toIntArray());
        }
    }

    @Test
    void dataPointerSeesWritesThroughTheTensor() {
        TorchShim shim = TorchShim.get();
        ByteBuffer buf = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
        buf.putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f).flip();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = shim.fromBuffer(m, buf, 4, TorchDType.FLOAT32, new long[] {3});
            assertArrayEquals(new float[] {2f, 3f, 4f}, t.toFloatArray());
            t.muli(10);
            assertEquals(20f, buf.getFloat(4)); // zero copy: the tensor is the buffer
            assertEquals(com.sun.jna.Pointer.nativeValue(com.sun.jna.Native.getDirectBufferPointer(buf)) + 4,
                    shim.dataPointer(t));
        }
    }

    @Test
    void castThroughDispatcherKeepsTheGradient() {
        TorchShim shim = TorchShim.get();
        try (NDManager m = NDManager.newBaseManager()) {
            JniUtils.setGradMode(true); // DJL starts with grad mode off (thread-local)
            NDArray x = m.create(new float[] {1f, 2f, 3f});
            x.setRequiresGradient(true);
            // d(sum 2x)/dx = 2; Ops.scale, not mul(Number): the backward reads the factor (see Ops.scale)
            NDArray y = Ops.scale(shim.cast(x, TorchDType.FLOAT64), 2).sum();
            JniUtils.backward((PtNDArray) y, (PtNDArray) m.ones(new Shape(), DataType.FLOAT64), false, false);
            assertArrayEquals(new float[] {2f, 2f, 2f}, x.getGradient().toFloatArray());
        }
    }

    @Test
    void sdpaMatchesComposedCausalAttentionWithGqa() {
        TorchShim shim = TorchShim.get();
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            int b = 2, hq = 4, hkv = 2, t = 5, d = 8;
            NDArray q = m.randomNormal(new Shape(b, hq, t, d));
            NDArray k = m.randomNormal(new Shape(b, hkv, t, d));
            NDArray v = m.randomNormal(new Shape(b, hkv, t, d));
            NDArray out = shim.scaledDotProductAttention(q, k, v, true, true);
            // composed reference in plain Java loops: head h reads kv head h / (hq / hkv)
            float[] qa = q.toFloatArray(), ka = k.toFloatArray(), va = v.toFloatArray(), oa = out.toFloatArray();
            assertArrayEquals(new long[] {b, hq, t, d}, out.getShape().getShape());
            double maxErr = 0;
            for (int bi = 0; bi < b; bi++) {
                for (int h = 0; h < hq; h++) {
                    int kh = h / (hq / hkv);
                    for (int i = 0; i < t; i++) {
                        double[] w = new double[i + 1];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j <= i; j++) {
                            double s = 0;
                            for (int c = 0; c < d; c++) {
                                s += qa[((bi * hq + h) * t + i) * d + c] * ka[((bi * hkv + kh) * t + j) * d + c];
                            }
                            w[j] = s / Math.sqrt(d);
                            max = Math.max(max, w[j]);
                        }
                        double z = 0;
                        for (int j = 0; j <= i; j++) {
                            w[j] = Math.exp(w[j] - max);
                            z += w[j];
                        }
                        for (int c = 0; c < d; c++) {
                            double o = 0;
                            for (int j = 0; j <= i; j++) {
                                o += w[j] / z * va[((bi * hkv + kh) * t + j) * d + c];
                            }
                            maxErr = Math.max(maxErr, Math.abs(o - oa[((bi * hq + h) * t + i) * d + c]));
                        }
                    }
                }
            }
            assertTrue(maxErr < 1e-5, "max abs error " + maxErr);
        }
    }

    @Test
    void sdpaWithABoolMaskEqualsComposedAttentionWithTheSameMaskAndKeepsGradients() {
        TorchShim shim = TorchShim.get();
        try (NDManager m = NDManager.newBaseManager()) {
            JniUtils.setGradMode(true);
            m.getEngine().setRandomSeed(11);
            int b = 1, h = 2, t = 6, d = 4;
            NDArray q = m.randomNormal(new Shape(b, h, t, d));
            NDArray k = m.randomNormal(new Shape(b, h, t, d));
            NDArray v = m.randomNormal(new Shape(b, h, t, d));
            q.setRequiresGradient(true);
            // two packed samples [0, 3) and [3, 6): block-diagonal causal, by hand
            boolean[] allowed = new boolean[t * t];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j <= i; j++) {
                    allowed[i * t + j] = (i < 3) == (j < 3);
                }
            }
            NDArray mask = m.create(allowed, new Shape(1, 1, t, t));
            for (int repeat = 0; repeat < 200; repeat++) { // the boxed optional is freed by libtorch every call
                shim.scaledDotProductAttention(q, k, v, mask, false, false).close();
            }
            NDArray out = shim.scaledDotProductAttention(q, k, v, mask, false, false);
            float[] qa = q.toFloatArray(), ka = k.toFloatArray(), va = v.toFloatArray(), oa = out.toFloatArray();
            double maxErr = 0;
            for (int hh = 0; hh < h; hh++) {
                for (int i = 0; i < t; i++) {
                    double[] w = new double[t];
                    double z = 0;
                    for (int j = 0; j < t; j++) {
                        if (!allowed[i * t + j]) {
                            continue;
                        }
                        double s = 0;
                        for (int c = 0; c < d; c++) {
                            s += qa[(hh * t + i) * d + c] * ka[(hh * t + j) * d + c];
                        }
                        w[j] = Math.exp(s / Math.sqrt(d));
                        z += w[j];
                    }
                    for (int c = 0; c < d; c++) {
                        double o = 0;
                        for (int j = 0; j < t; j++) {
                            o += w[j] / z * va[(hh * t + j) * d + c];
                        }
                        maxErr = Math.max(maxErr, Math.abs(o - oa[(hh * t + i) * d + c]));
                    }
                }
            }
            assertTrue(maxErr < 1e-5, "max abs error " + maxErr);
            JniUtils.backward((PtNDArray) out.sum(), (PtNDArray) m.ones(new Shape()), false, false);
            assertEquals(b * h * t * d, q.getGradient().toFloatArray().length);
        }
    }

    @Test
    void softmaxInPlaceOverwritesTheInputWithRowProbabilities() {
        TorchShim shim = TorchShim.get();
        try (NDManager m = NDManager.newBaseManager()) {
            SplittableRandom r = new SplittableRandom(3);
            int rows = 3, cols = 1000;
            float[] logits = new float[rows * cols];
            for (int k = 0; k < logits.length; k++) {
                logits[k] = (float) (r.nextGaussian() * 8);
            }
            NDArray x = m.create(logits, new Shape(rows, cols));
            long address = shim.dataPointer(x);
            shim.softmaxInPlace(x, 1);
            assertEquals(address, shim.dataPointer(x), "written over the input");
            float[] p = x.toFloatArray();
            for (int i = 0; i < rows; i++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < cols; j++) {
                    max = Math.max(max, logits[i * cols + j]);
                }
                for (int j = 0; j < cols; j++) {
                    sum += Math.exp(logits[i * cols + j] - max);
                }
                for (int j = 0; j < cols; j++) { // against softmax in double
                    double want = Math.exp(logits[i * cols + j] - max) / sum;
                    assertEquals(want, p[i * cols + j], 1e-6 * want + 1e-12, "row " + i + ", column " + j);
                }
            }
        }
    }

    @Test
    void dotOfAVectorWithItselfIsItsSumOfSquares() {
        TorchShim shim = TorchShim.get();
        try (NDManager m = NDManager.newBaseManager()) {
            float[] v = new float[100_003];
            double want = 0;
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) Math.sin(k * 0.37);
                want += (double) v[k] * v[k];
            }
            NDArray x = m.create(v);
            NDArray d = shim.dot(x, x);
            assertEquals(0, d.getShape().dimension(), "a 0-d tensor");
            assertEquals(want, d.getFloat(), 1e-5 * want);
        }
    }

    @Test
    void matMulIntoOverwritesTheOutputIgnoringItsNaNsAndAddMatMulIntoAddsToIt() {
        TorchShim shim = TorchShim.get();
        try (NDManager m = NDManager.newBaseManager()) {
            int rows = 3, inner = 5, cols = 4;
            float[] a = new float[rows * inner];
            float[] b = new float[cols * inner]; // [cols, inner]: used transposed, as the lm_head's x W^T
            SplittableRandom r = new SplittableRandom(5);
            for (int k = 0; k < a.length; k++) {
                a[k] = (float) r.nextGaussian();
            }
            for (int k = 0; k < b.length; k++) {
                b[k] = (float) r.nextGaussian();
            }
            float[] nan = new float[rows * cols];
            java.util.Arrays.fill(nan, Float.NaN);
            NDArray out = m.create(nan, new Shape(rows, cols));
            long address = shim.dataPointer(out);
            NDArray bt = m.create(b, new Shape(cols, inner)).transpose();
            shim.matMulInto(out, m.create(a, new Shape(rows, inner)), bt);
            assertEquals(address, shim.dataPointer(out), "written into the given tensor");
            float[] got = out.toFloatArray();
            shim.addMatMulInto(out, m.create(a, new Shape(rows, inner)), bt);
            float[] twice = out.toFloatArray();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double want = 0; // sum_k a[i][k] * b[j][k], in double
                    for (int k = 0; k < inner; k++) {
                        want += (double) a[i * inner + k] * b[j * inner + k];
                    }
                    assertEquals(want, got[i * cols + j], 1e-5, "row " + i + ", column " + j);
                    assertEquals(2 * want, twice[i * cols + j], 2e-5, "accumulated, row " + i + ", column " + j);
                }
            }
        }
    }
}
