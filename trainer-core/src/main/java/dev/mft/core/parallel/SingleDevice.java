package dev.mft.core.parallel;

import ai.djl.ndarray.NDManager;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;

/** One process: parameters, gradients and AdamW state all here; no collectives. */
public final class SingleDevice implements ParallelStrategy {
    private final AdamW optimizer;
    /** The clip factor measured by {@link #clipGradients}, applied inside the next update (no pass of its own). */
    private double pendingGradScale = 1.0;

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

    @Override
    public void optimizerStep(double lr, NDManager scratch) {
        optimizer.step(lr, pendingGradScale, scratch);
        pendingGradScale = 1.0;
    }

    @Override
    public void zeroGrad() {
        pendingGradScale = 1.0;
        optimizer.zeroGrad();
    }

    /** The optimizer stays the caller's to save and close. */
    @Override
    public void close() {}
}
