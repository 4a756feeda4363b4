package dev.mft.core.parallel;

import ai.djl.ndarray.NDManager;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;

/** One process: parameters, gradients and AdamW state all here; no collectives. */
public final class SingleDevice implements ParallelStrategy {
    private final AdamW optimizer;
    /** The clip factor measured by {@link #clipGradients}, applied inside the next update (no pass of its own). */
    private double pendingGradScale = 1.0;
    /** Whether the last optimizer step already zeroed the gradients, and nothing has accumulated into them since. */
    private boolean gradientsZeroed;

    public SingleDevice(AdamW optimizer) {
        this.optimizer = optimizer;
        optimizer.useFlatBuffers(); // one device: nothing else points the parameters at other memory
    }

    /** The parameters the optimizer updates (fp16 unscaling reaches their gradients directly). */
    public java.util.List<dev.mft.core.optim.Parameter> parameters() {
        return optimizer.parameters();
    }

    @Override
    public long[] sumOverRanks(long[] local) {
        return local.clone();
    }

    @Override
    public double sumOverRanks(double local) {
        return local;
    }

    @Override
    public double clipGradients(double maxNorm, NDManager scratch) {
        double norm = GradientClipper.norm(optimizer.parameters(), scratch);
        pendingGradScale = GradientClipper.scale(norm, maxNorm);
        return norm;
    }

    /** The step zeroes the gradients itself (in its own pass on the CPU), so the zeroGrad that follows has nothing to do. */
    @Override
    public void optimizerStep(double lr, NDManager scratch) {
        optimizer.stepAndZeroGrad(lr, pendingGradScale, scratch);
        pendingGradScale = 1.0;
        gradientsZeroed = true;
    }

    @Override
    public void zeroGrad() {
        pendingGradScale = 1.0;
        if (!gradientsZeroed) { // a skipped (non-finite) step left them
            optimizer.zeroGrad();
        }
        gradientsZeroed = false;
    }

    /** The optimizer stays the caller's to save and close. */
    @Override
    public void close() {}
}
