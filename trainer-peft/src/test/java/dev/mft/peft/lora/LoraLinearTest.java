package dev.mft.peft.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.model.LinearLayer;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.peft.FrozenLinears;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoraLinearTest {
    @BeforeAll
    static void start() {
        TorchRuntime.start();
    }

    private static final TargetModules ALL = new TargetModules.AllLinear();

    @Test
    void forwardIsBasePlusScalingTimesBOfAOfX() {
        // x [2, 3], W [2, 3], bias [2], A [1, 3], B [2, 1]; alpha 4, r 1 -> scaling 4
        float[] x = {1, 2, 3, -1, 0, 2};
        float[] w = {0.5f, -1, 2, 1, 1, 1};
        float[] bias = {0.25f, -0.5f};
        float[] a = {1, 0, -1};
        float[] b = {2, -3};
        // by hand: base = x W^T + bias; ax = x . a; y = base + 4 * ax * b
        // row 0: base = (0.5 - 2 + 6 + 0.25, 1 + 2 + 3 - 0.5) = (4.75, 5.5); ax = 1 - 3 = -2 -> (4.75 - 16, 5.5 + 24)
        // row 1: base = (-0.5 + 0 + 4 + 0.25, -1 + 0 + 2 - 0.5) = (3.75, 0.5); ax = -1 - 2 = -3 -> (3.75 - 24, 0.5 + 36)
        float[] expected = {-11.25f, 29.5f, -20.25f, 36.5f};
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            LoraLinears f = new LoraLinears(new LoraConfig(1, 4, 0, false, ALL), FrozenLinears.dense(),
                    (module, in, out, rank, mm) -> new LoraWeights(mm.create(a, new Shape(1, 3)),
                            mm.create(b, new Shape(2, 1))), m);
            LinearLayer layer = f.create("model.layers.0.self_attn.q_proj", m.create(w, new Shape(2, 3)),
                    m.create(bias));
            assertArrayEquals(expected, layer.forward(m.create(x, new Shape(2, 3))).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void aFreshAdapterStartsAsTheBaseWithKaimingUniformA() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            LoraWeights first = LoraInit.fresh(1).create("model.layers.0.mlp.up_proj", 100, 30, 8, m);
            LoraWeights again = LoraInit.fresh(1).create("model.layers.0.mlp.up_proj", 100, 30, 8, m);
            LoraWeights other = LoraInit.fresh(1).create("model.layers.1.mlp.up_proj", 100, 30, 8, m);
            assertEquals(new Shape(8, 100), first.a().getShape());
            assertEquals(new Shape(30, 8), first.b().getShape());
            assertEquals(0f, first.b().abs().max().getFloat());
            float[] a = first.a().toFloatArray();
            double max = 0;
            double sumSq = 0;
            for (float v : a) {
                max = Math.max(max, Math.abs(v));
                sumSq += v * v;
            }
            // kaiming_uniform(a=sqrt(5)) over fan_in 100 is U(-0.1, 0.1): variance 0.01 / 3
            assertTrue(max <= 0.1 && max > 0.09, "max |A| " + max);
            assertEquals(0.01 / 3, sumSq / a.length, 0.0006);
            assertArrayEquals(a, again.a().toFloatArray());
            assertFalse(java.util.Arrays.equals(a, other.a().toFloatArray()), "layers must not share an init");
        }
    }

    @Test
    void scalingIsAlphaOverRankOrOverItsRootWithRsLora() {
        assertEquals(2.0, new LoraConfig(8, 16, 0, false, ALL).scaling());
        assertEquals(16 / Math.sqrt(8), new LoraConfig(8, 16, 0, true, ALL).scaling(), 1e-15);
        assertEquals(32.0 / 96, new LoraConfig(96, 32, 0.05, false, ALL).scaling(), 1e-15);
    }

    @Test
    void dropoutActsOnlyWhileAGraphIsRecorded() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            LoraLinears f = new LoraLinears(new LoraConfig(4, 8, 0.5, false, ALL), FrozenLinears.dense(),
                    (module, in, out, rank, mm) -> new LoraWeights(mm.ones(new Shape(rank, in)),
                            mm.ones(new Shape(out, rank))), m);
            LinearLayer layer = f.create("q_proj", m.zeros(new Shape(3, 64)), null);
            NDArray x = m.ones(new Shape(1, 64));
            float[] eval;
            try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
                eval = layer.forward(x).toFloatArray();
            }
            // no dropout: each output = scaling 2 * rank 4 * sum of 64 ones = 512
            assertArrayEquals(new float[] {512, 512, 512}, eval);
            Autograd.enableForThisThread();
            TorchRuntime.seed(5);
            float[] train1 = layer.forward(x).toFloatArray();
            TorchRuntime.seed(5);
            float[] train2 = layer.forward(x).toFloatArray();
            assertArrayEquals(train1, train2, "seeded dropout repeats");
            assertNotEquals(512f, train1[0], "dropout changes the training output");
            // inverted dropout keeps the expectation: survivors are scaled by 1 / (1 - p) = 2, so the sum stays even
            assertEquals(0f, train1[0] % 16f);
        } finally {
            Autograd.noGrad(); // deliberately left open: grad mode back off, as DJL starts and other tests expect
        }
    }

    @Test
    void targetModulesMatchLikePeft() {
        TargetModules names = new TargetModules.Names(List.of("q_proj", "mlp.up_proj"));
        assertTrue(names.matches("model.layers.3.self_attn.q_proj"));
        assertTrue(names.matches("model.layers.3.mlp.up_proj"));
        assertFalse(names.matches("model.layers.3.self_attn.k_proj"));
        assertFalse(new TargetModules.Names(List.of("proj")).matches("model.layers.0.self_attn.q_proj"),
                "a name matches whole dot-separated parts, not any suffix");
        TargetModules regex = new TargetModules.Regex("model\\.layers\\.[01]\\.self_attn\\.(q|v)_proj");
        assertTrue(regex.matches("model.layers.1.self_attn.v_proj"));
        assertFalse(regex.matches("model.layers.2.self_attn.v_proj"));
        assertFalse(new TargetModules.Regex("q_proj").matches("model.layers.0.self_attn.q_proj"),
                "a regex must match the whole name");
        assertTrue(new TargetModules.AllLinear().matches("model.layers.0.mlp.down_proj"));
    }

    @Test
    void unselectedLayersStayFrozenAndANoMatchIsAnError() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            LoraLinears f = new LoraLinears(new LoraConfig(2, 4, 0, false, new TargetModules.Names(List.of("v_proj"))),
                    FrozenLinears.dense(), LoraInit.fresh(0), m);
            f.create("model.layers.0.self_attn.q_proj", m.zeros(new Shape(4, 4)), null);
            IllegalStateException e = assertThrows(IllegalStateException.class, f::parameters);
            assertTrue(e.getMessage().contains("[\"v_proj\"] selects none"), e.getMessage());
            f.create("model.layers.0.self_attn.v_proj", m.zeros(new Shape(4, 4)), null);
            assertEquals(List.of("model.layers.0.self_attn.v_proj.lora_A.weight",
                    "model.layers.0.self_attn.v_proj.lora_B.weight"),
                    f.parameters().stream().map(p -> p.name()).toList());
            assertSame(f.adapters().get("model.layers.0.self_attn.v_proj").a(), f.parameters().get(0).array());
        }
    }

    @Test
    void aTrainableBaseWeightIsRefused() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = m.zeros(new Shape(4, 4));
            w.setRequiresGradient(true);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> FrozenLinears.dense().create("model.layers.0.self_attn.q_proj", w, null));
            assertTrue(e.getMessage().contains("must stay frozen"), e.getMessage());
        }
    }
}
