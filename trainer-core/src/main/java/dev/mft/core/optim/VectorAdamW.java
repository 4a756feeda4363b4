package dev.mft.core.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HostAdamWKernel}'s update written with the Vector API ({@code jdk.incubator.vector}): SIMD loads and stores
 * straight from the tensors' memory, so each of p, g, m, v is read once and p, m, v written once, with no copy into
 * Java arrays. The same fp32 operations in the same order as {@link HostAdamWKernel#blockUpdate} (Java never fuses a
 * multiply and an add; a float square root rounds exactly as the double one cast back), so both give identical bits.
 *
 * <p>Only loaded when the module is present ({@link HostAdamWKernel#VECTOR_API}): a JVM started without
 * {@code --add-modules jdk.incubator.vector} never touches this class and takes the copying kernel.
 */
final class VectorAdamW {
    private VectorAdamW() {}

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /** Floats per vector on this CPU (16 with AVX-512). */
    static final int LANES = SPECIES.length();

    /**
     * Updates elements [from, to) of one parameter in place; with {@code clearGradient} the gradient's elements are set
     * to 0 in the same pass (the next step's zero_grad, done while the memory is in cache). {@code g} null: the
     * gradient is 0 over the range (neither read nor cleared); the same operations then run on zeros, so the bits are
     * those of a zero-filled gradient.
     */
    static void update(ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to,
            HostAdamWKernel.Scalars s, float decay, boolean clearGradient) {
        float b1 = s.beta1(), b2 = s.beta2(), c1 = 1 - b1, c2 = 1 - b2;
        float eps = s.eps(), stepSize = s.stepSize(), bias2Sqrt = s.bias2Sqrt(), scale = s.gradScale();
        FloatVector zero = FloatVector.zero(SPECIES);
        int i = from;
        for (; i + LANES <= to; i += LANES) {
            int at = i * Float.BYTES;
            FloatVector gi = g == null ? zero : FloatVector.fromByteBuffer(SPECIES, g, at, ORDER).mul(scale);
            FloatVector mi = FloatVector.fromByteBuffer(SPECIES, m, at, ORDER).mul(b1).add(gi.mul(c1));
            FloatVector vi = FloatVector.fromByteBuffer(SPECIES, v, at, ORDER).mul(b2).add(gi.mul(c2).mul(gi));
            mi.intoByteBuffer(m, at, ORDER);
            vi.intoByteBuffer(v, at, ORDER);
            if (clearGradient && g != null) {
                zero.intoByteBuffer(g, at, ORDER);
            }
            FloatVector denom = vi.sqrt().div(bias2Sqrt).add(eps);
            FloatVector pi = FloatVector.fromByteBuffer(SPECIES, p, at, ORDER);
            pi.mul(decay).sub(mi.div(denom).mul(stepSize)).intoByteBuffer(p, at, ORDER);
        }
        // the tail, shorter than one vector: blockUpdate's formula written out over the buffers, not a call to it with
        // copies into fresh arrays (measured: that made the warm-up allocate and cost ~200 MB of peak RSS)
        for (; i < to; i++) {
            int at = i * Float.BYTES;
            float gi = g == null ? 0f : g.getFloat(at) * scale;
            float mi = b1 * m.getFloat(at) + c1 * gi;
            float vi = b2 * v.getFloat(at) + c2 * gi * gi;
            m.putFloat(at, mi);
            v.putFloat(at, vi);
            if (clearGradient && g != null) {
                g.putFloat(at, 0f);
            }
            float denom = (float) Math.sqrt(vi) / bias2Sqrt + eps;
            p.putFloat(at, p.getFloat(at) * decay - stepSize * (mi / denom));
        }
    }
}
