package dev.mft.peft.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.peft.TestModels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Nf4CodecTest {
    private static NDManager root;
    private static Nf4Codec codec;

    @BeforeAll
    static void start() {
        TorchRuntime.start();
        root = NDManager.newBaseManager(Device.cpu());
        codec = new Nf4Codec(root, Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    private static Nf4Tensor quantize(float[] values, long... shape) {
        try (NDManager scratch = root.newSubManager()) {
            return codec.quantize(scratch.create(values, new Shape(shape)), root);
        }
    }

    private static float[] dequantize(Nf4Tensor t) {
        try (NDManager scratch = root.newSubManager()) {
            return codec.dequantize(t, scratch).toFloatArray();
        }
    }

    /** Codes unpacked with Java's own bit operations: high nibble first. */
    private static int[] unpack(Nf4Tensor t) {
        byte[] bytes = t.packed().toByteArray();
        int[] out = new int[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = (bytes[i] & 0xFF) >> 4;
            out[2 * i + 1] = bytes[i] & 0x0F;
        }
        return out;
    }

    @Test
    void aKnownBlockQuantizesToTheNearestCodesOfTheTable() {
        float c8 = 0.07958029955625534f;
        float[] w = new float[64];
        // absmax 2, so each value is scaled by exactly 0.5
        w[0] = -2f; // -1 -> code 0
        w[1] = 2f; // 1 -> code 15
        w[2] = 0f; // code 7
        w[3] = 1f; // 0.5: between 0.4407 (12) and 0.5626 (13), below their midpoint 0.50166 -> 12
        w[4] = c8; // c8/2 is exactly the midpoint of codes 7 (0) and 8 (c8): ties go to the lower code -> 7
        w[5] = Math.nextUp(c8); // just above that midpoint -> 8
        w[6] = -1.2f; // -0.6: between -0.6962 (1) and -0.5251 (2), above their midpoint -0.6106 -> 2
        w[7] = 0.9f; // 0.45 -> 12
        Nf4Tensor t = quantize(w, 1, 64);

        int[] codes = unpack(t);
        assertArrayEquals(new int[] {0, 15, 7, 12, 7, 8, 2, 12}, java.util.Arrays.copyOf(codes, 8));
        for (int i = 8; i < 64; i++) {
            assertEquals(7, codes[i], "zero at " + i);
        }
        float[] d = dequantize(t);
        // one block: absmax - mean(absmax) = 0, so double quantization restores absmax 2 exactly
        float[] expected = {-2f, 2f, 0f, 2 * 0.44070982933044434f, 0f, 2 * c8, 2 * -0.5250730514526367f,
            2 * 0.44070982933044434f};
        assertArrayEquals(expected, java.util.Arrays.copyOf(d, 8));
    }

    @Test
    void theFirstOfTwoWeightsIsPackedIntoTheHighNibble() {
        float[] w = new float[64];
        w[0] = -1f; // code 0
        w[1] = 1f; // code 15
        w[2] = 1f; // code 15
        w[3] = -1f; // code 0
        Nf4Tensor t = quantize(w, 2, 32);
        byte[] bytes = t.packed().toByteArray();
        assertEquals(32, bytes.length);
        assertEquals(0x0F, bytes[0] & 0xFF);
        assertEquals(0xF0, bytes[1] & 0xFF);
        assertEquals(0x77, bytes[2] & 0xFF); // two zeros: code 7 twice
    }

    @Test
    void doubleQuantizationKeepsTheLargestAbsmaxAndRoundsTheOtherToTheDynamicCode() {
        float[] w = new float[128];
        w[0] = 3f; // block 0: absmax 3
        w[64] = 1f; // block 1: absmax 1
        Nf4Tensor t = quantize(w, 2, 64);
        // offset = mean = 2; (3 - 2, 1 - 2) = (1, -1) scaled by their absmax 1: 1.0 is the top code (index 255),
        // -1 rounds to the most negative code -(0.9859375 + 1) / 2 = -0.99296875 (index 0)
        assertEquals(2f, t.absmaxOffset());
        assertArrayEquals(new float[] {1f}, t.absmaxScales().toFloatArray());
        byte[] q = t.absmaxCodes().toByteArray();
        assertEquals(255, q[0] & 0xFF);
        assertEquals(0, q[1] & 0xFF);
        float[] d = dequantize(t);
        assertEquals(3f, d[0], 1e-6); // code 15 (1.0) * 3
        assertEquals(2 - 0.99296875, d[64], 1e-6); // code 15 * (2 - 0.99296875)
    }

    @Test
    void doubleQuantizedAbsmaxIsWithinHalfTheWidestDynamicStepOfItsGroupRange() {
        SplittableRandom rng = new SplittableRandom(7);
        int blocks = 600; // groups of 256, 256 and a partial 88
        float[] w = new float[blocks * 64];
        double[] absmax = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            double std = 0.01 * (1 + b % 7);
            int argmax = 0;
            for (int i = 0; i < 64; i++) {
                w[b * 64 + i] = (float) (rng.nextGaussian() * std);
                if (Math.abs(w[b * 64 + i]) > Math.abs(w[b * 64 + argmax])) {
                    argmax = i;
                }
            }
            if (w[b * 64 + argmax] < 0) { // make the block's extreme positive: it then dequantizes to exactly absmax'
                for (int i = 0; i < 64; i++) {
                    w[b * 64 + i] = -w[b * 64 + i];
                }
            }
            absmax[b] = Math.abs(w[b * 64 + argmax]);
        }
        double mean = java.util.Arrays.stream(absmax).average().orElseThrow();
        float[] d = dequantize(quantize(w, blocks, 64));
        for (int b = 0; b < blocks; b++) {
            int g = b / 256;
            double range = 0;
            for (int k = g * 256; k < Math.min(blocks, (g + 1) * 256); k++) {
                range = Math.max(range, Math.abs(absmax[k] - mean));
            }
            double restored = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < 64; i++) {
                restored = Math.max(restored, d[b * 64 + i]);
            }
            // the dynamic map's widest step is 0.9 / 64 = 0.0140625 (between its top values); half of it is the bound
            double bound = 0.0140625 / 2 * range + 1e-6;
            assertTrue(Math.abs(restored - absmax[b]) <= bound, "block " + b + ": absmax " + absmax[b]
                    + " restored as " + restored + ", bound " + bound);
        }
    }

    @Test
    void randomWeightsRoundTripExactlyAsTheScalarReference() {
        SplittableRandom rng = new SplittableRandom(11);
        float[] w = TestModels.gaussian(rng, 96 * 200, 0.05);
        Nf4Tensor t = quantize(w, 96, 200);
        Nf4ReferenceQuantizer ref = new Nf4ReferenceQuantizer(w);
        assertArrayEquals(ref.codes, java.util.Arrays.copyOf(unpack(t), w.length));
        float[] d = dequantize(t);
        double worst = 0;
        for (int i = 0; i < w.length; i++) {
            assertEquals(ref.dequantized[i], d[i], 1e-6 * ref.absmax[i / 64], "weight " + i);
            // NF4's own error: at most half the widest code step (-1 to -0.6961928) of the block's absmax, plus DQ's
            worst = Math.max(worst, Math.abs(w[i] - d[i]) / ref.absmax[i / 64]);
        }
        assertTrue(worst <= (1 - 0.6961928009986877) / 2 + 0.01, "worst relative error " + worst);
    }

    @Test
    void aWeightThatIsNotAWholeNumberOfBlocksIsPaddedAndRestoredToItsShape() {
        float[] w = TestModels.gaussian(new SplittableRandom(3), 150, 1.0); // 64 + 64 + 22
        Nf4Tensor t = quantize(w, 3, 50);
        assertEquals(3, t.blocks());
        assertEquals(96, t.packed().size()); // 3 blocks of 32 bytes
        Nf4ReferenceQuantizer ref = new Nf4ReferenceQuantizer(w);
        try (NDManager scratch = root.newSubManager()) {
            NDArray d = codec.dequantize(t, scratch);
            assertEquals(new Shape(3, 50), d.getShape());
            float[] values = d.toFloatArray();
            for (int i = 0; i < w.length; i++) {
                assertEquals(ref.dequantized[i], values[i], 1e-6 * ref.absmax[i / 64], "weight " + i);
            }
        }
    }

    @Test
    void aMegaWeightMatrixCostsFourPointOneTwoSevenBitsPerWeight() {
        float[] w = TestModels.gaussian(new SplittableRandom(5), 1024 * 1024, 0.02);
        Nf4Tensor t = quantize(w, 1024, 1024);
        // 2^20 / 2 code bytes + 2^14 absmax codes + 64 group scales * 4 + the offset 4
        assertEquals(524_288 + 16_384 + 256 + 4, t.bytes());
        assertTrue(t.bytes() <= 0.14 * 4 * w.length);
    }

    @Test
    void dynamicMapHasBitsandbytesValues() {
        float[] dyn = DynamicMap.signed();
        assertEquals(256, dyn.length);
        for (int i = 1; i < 256; i++) {
            assertTrue(dyn[i - 1] < dyn[i], "sorted at " + i);
        }
        assertEquals(-0.99296875, dyn[0], 1e-7); // -(bounds[63] + bounds[64]) / 2 of linspace(0.1, 1, 65)
        assertEquals(1.0, dyn[255]);
        assertEquals(0.99296875, dyn[254], 1e-7);
        assertEquals(0.0, dyn[127]);
        assertEquals(5.5e-7, dyn[128], 1e-12); // 10^-6 * (0.1 + 1) / 2
        assertEquals(-5.5e-7, dyn[126], 1e-12);
    }
}
