package dev.mft.peft.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.Autograd;
import dev.mft.peft.lora.LoraWeights;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Folds LoRA adapters into base weights: {@code W' = W + scaling * B @ A}, as a pure function over state dicts. */
public final class LoraMerge {
    private LoraMerge() {}

    /**
     * A new name -> tensor map in {@code base}'s order: each adapted module's {@code <module>.weight} is a fresh merged
     * tensor on {@code out}; every other entry is the base's own tensor (shared, not copied). Nothing is modified.
     *
     * @throws IllegalArgumentException when a module has no base weight or a mismatched shape, or a merged weight is
     *     not finite (NaN/Inf from an overflowing or corrupt adapter), naming the module
     */
    public static Map<String, NDArray> merge(Map<String, NDArray> base, Map<String, LoraWeights> adapters,
            double scaling, NDManager out) {
        Map<String, NDArray> merged = new LinkedHashMap<>(base);
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            for (Map.Entry<String, LoraWeights> e : adapters.entrySet()) {
                String name = e.getKey() + ".weight";
                NDArray w = base.get(name);
                if (w == null) {
                    throw new IllegalArgumentException("cannot merge the adapter of " + e.getKey() + ": the base has"
                            + " no tensor " + name);
                }
                merged.put(name, mergeOne(e.getKey(), w, e.getValue(), scaling, out));
            }
        }
        return merged;
    }

    private static NDArray mergeOne(String module, NDArray w, LoraWeights lora, double scaling, NDManager out) {
        long[] expected = {lora.b().getShape().get(0), lora.a().getShape().get(1)};
        if (!Arrays.equals(w.getShape().getShape(), expected)) {
            throw new IllegalArgumentException("cannot merge the adapter of " + module + ": B @ A is "
                    + Arrays.toString(expected) + " but the base weight is " + w.getShape());
        }
        try (NDManager scratch = out.newSubManager()) {
            NDArray product = lora.b().matMul(lora.a()); // [out, r] @ [r, in] -> [out, in]
            product.attach(scratch); // B's manager is the adapter's; keep temporaries off it
            NDArray result = product.mul(scaling).add(w); // [out, in]
            boolean finite = !result.isNaN().any().getBoolean() && !result.isInfinite().any().getBoolean();
            if (!finite) {
                throw new IllegalArgumentException("merging the adapter of " + module + " gives non-finite weights"
                        + " (NaN or Inf); the adapter is corrupt or overflows; nothing was written");
            }
            result.attach(out);
            return result;
        }
    }
}
