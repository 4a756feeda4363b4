package dev.mft.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Activation checkpointing recomputes layers in backward; the gradients must equal plain backward's. */
class CheckpointedBackwardTest {
    private static final ModelConfig CONFIG = TinyModels.llama(50, 32, 3, 4, 2, 40);

    private static TokenBatch batch() {
        return TinyModels.promptedBatch(11, 3, 14, 50, 4); // a prompt part of every row is untrained
    }

    private static List<float[]> gradients(boolean checkpointed) {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(CONFIG, 5, 0.3, root, Device.cpu())) {
            List<Parameter> params = w.trainAll();
            LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                    LinearFactory.dense(), LlamaModel.Attention.SDPA);
            Autograd.enableForThisThread();
            TokenBatch b = batch();
            double loss;
            try (NDManager step = root.newSubManager()) {
                NDArray ids = BatchArrays.ids(step, b, Device.cpu());
                NDArray pos = BatchArrays.positions(step, b, Device.cpu());
                if (checkpointed) {
                    loss = model.forwardBackwardCheckpointed(ids, pos, b.maxPosition(), null,
                            logits -> CausalLmLoss.sum(logits, b));
                } else {
                    NDArray l = CausalLmLoss.sum(model.forward(ids, pos, b.maxPosition()), b);
                    loss = CausalLmLoss.value(l);
                    Autograd.backward(l);
                }
                List<float[]> out = new ArrayList<>();
                out.add(new float[] {(float) loss});
                for (Parameter p : params) {
                    out.add(Autograd.gradient(p.array(), step).toFloatArray());
                }
                return out;
            }
        }
    }

    @Test
    void checkpointedGradientsEqualPlainBackward() {
        List<float[]> plain = gradients(false);
        List<float[]> ckpt = gradients(true);
        assertEquals(plain.get(0)[0], ckpt.get(0)[0], 1e-6 * Math.abs(plain.get(0)[0]));
        double maxRel = 0;
        for (int i = 1; i < plain.size(); i++) {
            float[] a = plain.get(i);
            float[] c = ckpt.get(i);
            double scale = 0;
            for (float x : a) {
                scale = Math.max(scale, Math.abs(x));
            }
            for (int j = 0; j < a.length; j++) {
                maxRel = Math.max(maxRel, Math.abs(a[j] - c[j]) / scale);
            }
        }
        assertTrue(maxRel < 1e-6, "max relative gradient difference " + maxRel);
    }
}
