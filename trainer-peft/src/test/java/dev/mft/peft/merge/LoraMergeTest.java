package dev.mft.peft.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.peft.FrozenLinears;
import dev.mft.peft.TestModels;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.LoraLinears;
import dev.mft.peft.lora.LoraWeights;
import dev.mft.peft.lora.TargetModules;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoraMergeTest {
    @BeforeAll
    static void start() {
        TorchRuntime.start();
    }

    @Test
    void mergedWeightIsWPlusScalingTimesBA() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = m.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            LoraWeights lora = new LoraWeights(m.create(new float[] {1, 0, -1}, new Shape(1, 3)),
                    m.create(new float[] {2, 0.5f}, new Shape(2, 1)));
            Map<String, NDArray> base = Map.of("x.weight", w, "x.bias", m.create(new float[] {7, 8}));
            Map<String, NDArray> merged = LoraMerge.merge(base, Map.of("x", lora), 2.0, m);
            // B @ A = [[2, 0, -2], [0.5, 0, -0.5]]; W + 2 * that:
            assertArrayEquals(new float[] {5, 2, -1, 5, 5, 5}, merged.get("x.weight").toFloatArray());
            assertSame(base.get("x.bias"), merged.get("x.bias"), "untouched tensors are shared");
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.toFloatArray(), "the input is not modified");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2"})
    void theMergedModelGivesTheAdapterModelsLogits(String type) {
        ModelConfig c = type.equals("llama") ? TestModels.llama() : TestModels.qwen2();
        LoraConfig lora = new LoraConfig(8, 16, 0, true, new TargetModules.AllLinear());
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelWeights.random(c, 5, 0.1, root, Device.cpu());
            LoraLinears f = new LoraLinears(lora, FrozenLinears.dense(), TestModels.randomAdapters(6, 0.2), root);
            float[] adapted = TestModels.logits(TestModels.model(c, w.tensors(), f, root), root);
            float[] base = TestModels.logits(TestModels.model(c, w.tensors(), LinearFactory.dense(), root), root);
            Map<String, NDArray> merged = LoraMerge.merge(w.tensors(), f.adapters(), lora.scaling(), root);
            float[] mergedLogits = TestModels.logits(TestModels.model(c, merged, LinearFactory.dense(), root), root);
            double diff = TestModels.maxAbsDiff(adapted, mergedLogits);
            assertTrue(TestModels.maxAbsDiff(adapted, base) > 0.1, "the adapters must change the logits");
            assertTrue(diff <= 1e-5 * Math.max(1, TestModels.maxAbs(adapted)), "max |diff| " + diff);
        }
    }

    @Test
    void aNonFiniteResultIsRefusedNamingTheModule() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = m.zeros(new Shape(2, 2));
            LoraWeights lora = new LoraWeights(m.create(new float[] {3e38f, 3e38f}, new Shape(1, 2)),
                    m.create(new float[] {1, Float.NaN}, new Shape(2, 1)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LoraMerge.merge(Map.of("model.layers.0.mlp.up_proj.weight", w),
                            Map.of("model.layers.0.mlp.up_proj", lora), 10, m));
            assertTrue(e.getMessage().contains("model.layers.0.mlp.up_proj gives non-finite"), e.getMessage());
        }
    }
}
