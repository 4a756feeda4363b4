package dev.mft.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/** Where an adapter's A and B come from: a fresh init, or a saved adapter. */
@FunctionalInterface
public interface LoraInit {
    /** A [r, in] and B [out, r] for {@code module}, created on {@code manager}'s device and attached to it. */
    LoraWeights create(String module, long in, long out, int rank, NDManager manager);

    /**
     * HF PEFT's default init: A ~ kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)), and B = 0, so the
     * adapted model starts equal to the base. Drawn from a Java generator seeded by (seed, module name), so it does
     * not depend on the order layers are built in nor on libtorch's generator.
     */
    static LoraInit fresh(long seed) {
        return (module, in, out, rank, manager) -> {
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + module.hashCode());
            double bound = 1.0 / Math.sqrt(in); // gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in)
            float[] a = new float[Math.toIntExact(rank * in)];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rng.nextDouble(-bound, bound);
            }
            NDArray aArr = onDevice(manager, manager.create(a, new Shape(rank, in)));
            NDArray bArr = manager.zeros(new Shape(out, rank));
            return new LoraWeights(aArr, bArr);
        };
    }

    /** The saved adapter's matrices (shapes checked against the layer); copies, so the source may be closed. */
    static LoraInit from(Map<String, LoraWeights> saved) {
        return (module, in, out, rank, manager) -> {
            LoraWeights w = saved.get(module);
            if (w == null) {
                throw new IllegalArgumentException("the adapter has no lora_A/lora_B for " + module
                        + ", which its target_modules select");
            }
            checkShape(module + ".lora_A.weight", w.a(), new long[] {rank, in});
            checkShape(module + ".lora_B.weight", w.b(), new long[] {out, rank});
            NDArray a = w.a().duplicate();
            NDArray b = w.b().duplicate();
            a.attach(manager);
            b.attach(manager);
            return new LoraWeights(onDevice(manager, a), onDevice(manager, b));
        };
    }

    private static void checkShape(String name, NDArray a, long[] expected) {
        if (!Arrays.equals(a.getShape().getShape(), expected)) {
            throw new IllegalArgumentException("adapter tensor " + name + " has shape " + a.getShape()
                    + ", but the base model needs " + Arrays.toString(expected));
        }
    }

    private static NDArray onDevice(NDManager manager, NDArray a) {
        if (a.getDevice().equals(manager.getDevice())) {
            return a;
        }
        NDArray moved = a.toDevice(manager.getDevice(), false);
        moved.attach(manager);
        a.close();
        return moved;
    }
}
