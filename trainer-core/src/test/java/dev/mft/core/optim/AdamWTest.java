package dev.mft.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.mft.core.tensor.TorchRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamWTest {

    /** Sets the gradient of w to g by backpropagating sum(w * g). */
    private static void setGradient(NDManager m, NDArray w, float[] g) {
        JniUtils.setGradMode(true);
        try (NDManager s = m.newSubManager()) {
            NDArray loss = w.mul(s.create(g)).sum();
            JniUtils.backward((PtNDArray) loss, (PtNDArray) s.ones(new Shape(), DataType.FLOAT32), false, false);
        }
    }

    @Test
    void twoStepsFollowTheAdamWFormulaComputedByHand() {
        TorchRuntime.start();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1.0f, -2.0f});
            w.setRequiresGradient(true);
            double lr = 0.1, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.5;
            AdamW opt = new AdamW(List.of(new Parameter("w", w, true)), new AdamW.Settings(b1, b2, eps, wd), m);
            float[][] grads = {{0.5f, -1.0f}, {2.0f, 0.25f}};
            // by hand, in double: torch.optim.AdamW's update
            double[] p = {1.0, -2.0};
            double[] mm = new double[2];
            double[] vv = new double[2];
            for (int t = 1; t <= 2; t++) {
                setGradient(m, w, grads[t - 1]);
                try (NDManager scratch = m.newSubManager()) {
                    opt.step(lr, scratch);
                }
                opt.zeroGrad();
                for (int i = 0; i < 2; i++) {
                    double g = grads[t - 1][i];
                    p[i] *= 1 - lr * wd;
                    mm[i] = b1 * mm[i] + (1 - b1) * g;
                    vv[i] = b2 * vv[i] + (1 - b2) * g * g;
                    double mHat = mm[i] / (1 - Math.pow(b1, t));
                    double denom = Math.sqrt(vv[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                    p[i] -= lr * mHat / denom;
                }
                float[] got = w.toFloatArray();
                assertEquals(p[0], got[0], 1e-6, "step " + t + " w[0]");
                assertEquals(p[1], got[1], 1e-6, "step " + t + " w[1]");
            }
            // numbers written out for step 1 of w[0]: 1*(1-0.05) - 0.1*sign(0.5) = 0.85 (Adam's first step is lr*sign)
            assertEquals(2, opt.steps());
            opt.close();
        }
    }

    @Test
    void firstStepMovesByLearningRateTimesSignWithoutDecay() {
        TorchRuntime.start();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {3.0f, 3.0f});
            w.setRequiresGradient(true);
            AdamW opt = new AdamW(List.of(new Parameter("b", w, false)), new AdamW.Settings(0.9, 0.999, 1e-12, 0.1), m);
            setGradient(m, w, new float[] {7f, -0.001f});
            try (NDManager scratch = m.newSubManager()) {
                opt.step(0.01, scratch);
            }
            // t=1: m_hat = g, v_hat = g^2 -> update = lr * g/|g|; decay=false -> no shrink
            float[] got = w.toFloatArray();
            assertEquals(2.99, got[0], 1e-6);
            assertEquals(3.01, got[1], 1e-6);
            opt.close();
        }
    }
}
