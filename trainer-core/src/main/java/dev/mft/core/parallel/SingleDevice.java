package dev.mft.core.parallel;

import ai.djl.ndarray.NDManager;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;

/** One process: parameters, gradients and AdamW state all here; no collectives. */
public final class SingleDevice implements ParallelStrategy {
    private final AdamW optimizer;

    public SingleDevice(AdamW optimizer) {
        this.optimizer = optimizer;
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
        return GradientClipper.clip(optimizer.parameters(), maxNorm, scratch);
    }

    @Override
    public void optimizerStep(double lr, NDManager scratch) {
        optimizer.step(lr, scratch);
    }

    @Override
    public void zeroGrad() {
        optimizer.zeroGrad();
    }

    /** The optimizer stays the caller's to save and close. */
    @Override
    public void close() {}
}
