package dev.mft.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.TensorLayout;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.optim.Parameter;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.StepMetrics;
import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.Trainer;
import dev.mft.core.train.TrainerSettings;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.LoraInit;
import dev.mft.peft.lora.LoraLinears;
import dev.mft.peft.lora.LoraWeights;
import dev.mft.peft.lora.TargetModules;
import dev.mft.peft.quant.Nf4Weights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LoRA and QLoRA inside the real model and training loop. */
class PeftTrainingTest {
    private static final ModelConfig LLAMA = TestModels.llama();
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0, false, TargetModules.defaultFor("llama"));

    @BeforeAll
    static void start() {
        TorchRuntime.start();
    }

    @Test
    void gradientsReachOnlyAAndBAndOneStepMakesBNonZero() {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelWeights.random(LLAMA, 1, 0.1, root, Device.cpu());
            Map<String, float[]> before = snapshot(w.tensors());
            LoraLinears lora = new LoraLinears(LORA, FrozenLinears.dense(), LoraInit.fresh(1), root);
            LlamaModel model = TestModels.model(LLAMA, w.tensors(), lora, root);
            List<Parameter> params = lora.parameters();
            assertEquals(2 * 7 * LLAMA.numHiddenLayers(), params.size(), "A and B of every projection");
            AdamW adam = new AdamW(params, new AdamW.Settings(0.9, 0.999, 1e-8, 0.0), root);

            Autograd.enableForThisThread();
            try (NDManager step = root.newSubManager()) {
                TokenBatch b = TestModels.batch();
                NDArray loss = CausalLmLoss.sum(model.forward(BatchArrays.ids(step, b, Device.cpu()),
                        BatchArrays.positions(step, b, Device.cpu()), b.maxPosition()), b);
                Autograd.backward(loss);
                for (Map.Entry<String, NDArray> e : w.tensors().entrySet()) {
                    assertFalse(e.getValue().hasGradient(), e.getKey() + " is frozen");
                }
                for (Parameter p : params) {
                    NDArray g = Autograd.gradient(p.array(), step);
                    double norm = g.abs().sum().getFloat();
                    // B = 0 at init, so dL/dA = 0 for now; dL/dB must not be
                    if (p.name().endsWith("lora_B.weight")) {
                        assertTrue(norm > 0, p.name() + " gets a gradient");
                    } else {
                        assertEquals(0.0, norm, p.name());
                    }
                }
                adam.step(1e-2, step);
                adam.zeroGrad();
            } finally {
                Autograd.noGrad(); // deliberately left open: grad mode back off for the tests that follow
            }
            for (LoraWeights a : lora.adapters().values()) {
                assertTrue(a.b().abs().max().getFloat() > 0, "B moved off zero after one step");
            }
            Map<String, float[]> after = snapshot(w.tensors());
            for (String name : before.keySet()) {
                assertArrayEquals(before.get(name), after.get(name), name + " unchanged");
            }
        }
    }

    @Test
    void qloraModelEqualsLoraOverTheDequantizedWeights() {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelWeights.random(LLAMA, 2, 0.1, root, Device.cpu());
            Nf4Weights nf4 = new Nf4Weights(root, Device.cpu());
            nf4.takeFrom(w);
            assertEquals(7 * LLAMA.numHiddenLayers(), nf4.tensors().size());
            for (String name : w.tensors().keySet()) {
                assertFalse(Nf4Weights.quantizes(name), name + " left in fp32");
            }
            assertTrue(w.tensors().containsKey(TensorLayout.EMBED) && w.tensors().containsKey(TensorLayout.LM_HEAD));

            LoraInit adapters = TestModels.randomAdapters(3, 0.1);
            LlamaModel qlora = TestModels.model(LLAMA, w.tensors(),
                    new LoraLinears(LORA, nf4.linears(), adapters, root), root);
            Map<String, NDArray> dense = new HashMap<>(w.tensors());
            for (String module : nf4.tensors().keySet()) {
                dense.put(module + ".weight", nf4.dequantized(module, root));
            }
            LlamaModel lora = TestModels.model(LLAMA, dense, new LoraLinears(LORA, FrozenLinears.dense(), adapters,
                    root), root);
            float[] a = TestModels.logits(qlora, root);
            float[] b = TestModels.logits(lora, root);
            assertTrue(TestModels.maxAbsDiff(a, b) <= 1e-6 * TestModels.maxAbs(b), "max diff "
                    + TestModels.maxAbsDiff(a, b));
        }
    }

    @Test
    void loraAndQloraTrainingLowerTheLossAndKeepOnlyCodesBetweenSteps() throws Exception {
        for (boolean quantized : new boolean[] {false, true}) {
            try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
                ModelWeights w = ModelWeights.random(LLAMA, 4, 0.1, root, Device.cpu());
                Nf4Weights nf4 = new Nf4Weights(root, Device.cpu());
                if (quantized) {
                    nf4.takeFrom(w);
                }
                LoraLinears lora = new LoraLinears(new LoraConfig(8, 16, 0.05, false, new TargetModules.AllLinear()),
                        quantized ? nf4.linears() : FrozenLinears.dense(), LoraInit.fresh(4), root);
                LlamaModel model = TestModels.model(LLAMA, w.tensors(), lora, root);
                AdamW adam = new AdamW(lora.parameters(), new AdamW.Settings(0.9, 0.999, 1e-8, 0.0), root);
                long bytes = nf4.bytes();
                int arrays = managedArrays(root);
                List<StepMetrics> metrics = new ArrayList<>();
                int steps = 30;
                new Trainer(model, adam, new LrSchedule(LrSchedule.Type.CONSTANT, 1e-2, 0, 0, steps),
                        new TrainerSettings(steps, steps, 1, 1.0, 1), metrics::add, root, Device.cpu())
                        .train(TestModels.fixed(TestModels.batch()));
                Autograd.noGrad(); // the trainer turned grad mode on in this thread; back off for other tests
                double first = metrics.get(0).loss();
                double last = metrics.get(steps - 1).loss();
                assertTrue(last < 0.7 * first, (quantized ? "QLoRA" : "LoRA") + " loss " + first + " -> " + last);
                assertEquals(bytes, nf4.bytes());
                assertEquals(arrays, managedArrays(root), "no array of the steps stays on the long-lived managers");
                assertNotEquals(0, lora.parameterCount());
            }
        }
    }

    @Test
    void bf16ComputeFollowsFp32AndLeavesNoCastsOnLongLivedManagers() throws Exception {
        for (boolean quantized : new boolean[] {false, true}) {
            try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
                ModelWeights w = ModelWeights.random(LLAMA, 6, 0.1, root, Device.cpu());
                Nf4Weights nf4 = new Nf4Weights(root, Device.cpu());
                if (quantized) {
                    nf4.takeFrom(w);
                }
                LoraInit adapters = TestModels.randomAdapters(7, 0.1);
                float[] fp32 = TestModels.logits(TestModels.model(LLAMA, w.tensors(), new LoraLinears(LORA,
                        quantized ? nf4.linears() : FrozenLinears.dense(), adapters, root), root), root);
                TorchDType bf16 = TorchDType.BFLOAT16;
                LoraLinears lora = new LoraLinears(LORA, quantized ? nf4.linears(bf16) : FrozenLinears.dense(bf16),
                        adapters, bf16, root);
                LlamaModel model = new LlamaModel(LLAMA, w.tensors(), new RotaryEmbedding(root, LLAMA), lora,
                        LlamaModel.Attention.SDPA, bf16);
                // core's LlamaModel casts its own embedding, norm and head weights onto their long-lived manager in
                // mixed precision (reported); count only arrays of the shapes the PEFT layers cast
                int arrays = peftShapedArrays(root);
                float[] half = TestModels.logits(model, root);
                // bf16 keeps 8 bits of mantissa: logits agree to a few hundredths of their range
                double diff = TestModels.maxAbsDiff(fp32, half);
                assertTrue(diff < 0.03 * TestModels.maxAbs(fp32), "bf16 vs fp32 logits differ by " + diff);
                assertEquals(arrays, peftShapedArrays(root), "per-use casts must live and die with the step");
            }
        }
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> tensors) {
        Map<String, float[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    /** Arrays held by a manager and all its sub-managers (BaseNDManager keeps them in a private map). */
    private static int managedArrays(NDManager manager) throws Exception {
        return managedArrays(manager, a -> true);
    }

    /** Matrices other than the embedding / head ([vocab, hidden]): projection weights and adapters. */
    private static int peftShapedArrays(NDManager manager) throws Exception {
        return managedArrays(manager, a -> a.getShape().dimension() == 2 && a.getShape().get(0) != TestModels.VOCAB);
    }

    private static int managedArrays(NDManager manager, java.util.function.Predicate<NDArray> counted)
            throws Exception {
        java.lang.reflect.Field f = ai.djl.ndarray.BaseNDManager.class.getDeclaredField("resources");
        f.setAccessible(true);
        int n = 0;
        for (Object r : ((Map<?, ?>) f.get(manager)).values()) {
            if (r instanceof NDManager sub) {
                n += 1 + managedArrays(sub, counted);
            } else if (!(r instanceof NDArray a) || counted.test(a)) {
                n++;
            }
        }
        return n;
    }
}
