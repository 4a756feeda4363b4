package dev.mft.peft.io;

import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.TensorLayout;
import dev.mft.peft.lora.LoraWeights;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Whether an adapter fits a base model: the same modules, and A/B shapes that match the base's weights. */
public final class AdapterCompatibility {
    private AdapterCompatibility() {}

    /**
     * @throws AdapterFormatException naming the first module whose adapter is missing, has no such base layer, or
     *     whose shape differs from what the base's weight [out, in] requires
     */
    public static void check(LoadedAdapter adapter, ModelConfig base) {
        List<String> modules = TensorLayout.linearModules(base);
        Map<String, long[]> shapes = TensorLayout.expected(base);
        long r = adapter.config().rank();
        for (String module : adapter.weights().keySet()) {
            if (!modules.contains(module)) {
                throw new AdapterFormatException(adapter.dir() + ": the adapter adapts " + module + ", which the base "
                        + base.modelType() + " model (" + base.numHiddenLayers() + " layers) does not have");
            }
        }
        for (String module : modules) {
            LoraWeights w = adapter.weights().get(module);
            if (!adapter.config().targets().matches(module)) {
                continue;
            }
            if (w == null) {
                throw new AdapterFormatException(adapter.dir() + ": target_modules " + adapter.config().targets()
                        + " select " + module + ", but " + AdapterFiles.WEIGHTS + " has no lora_A/lora_B for it");
            }
            long[] weight = shapes.get(module + ".weight"); // [out, in]
            expect(adapter, module, 'A', w.a().getShape().getShape(), new long[] {r, weight[1]});
            expect(adapter, module, 'B', w.b().getShape().getShape(), new long[] {weight[0], r});
        }
    }

    private static void expect(LoadedAdapter adapter, String module, char which, long[] actual, long[] expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new AdapterFormatException(adapter.dir() + ": " + AdapterFiles.tensorName(module, which)
                    + " has shape " + Arrays.toString(actual) + ", but the base model's " + module + ".weight needs "
                    + Arrays.toString(expected));
        }
    }
}
