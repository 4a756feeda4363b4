package dev.mft.core.parallel;

import ai.djl.ndarray.NDManager;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;

/** One process: parameters, gradients and AdamW state all here; no collectives. */
public final class SingleDevice implements ParallelStrategy {
    private final AdamW optimizer;
    /** Whether the last optimizer step already zeroed the gradients, and nothing has accumulated into them since. */
    private boolean gradientsZeroed;

    public SingleDevice(AdamW optimizer) {
        this.optimizer = optimizer;
        optimizer.useFlatBuffers(); // one device: nothing else points the parameters at other memory
    }

    /**
     * Lets clipping and AdamW read only the rows of {@code parameter}'s gradient that {@code rows} records (the
     * embedding table's: the step's tokens); nothing happens when the optimizer does not train it (LoRA). Safe here:
     * on one device nothing writes gradients behind libtorch's version counter.
     */
    public void trackTouchedRows(ai.djl.ndarray.NDArray parameter, dev.mft.core.optim.TouchedRows rows) {
        if (optimizer.parameters().stream().anyMatch(p -> p.array() == parameter)) {
            optimizer.trackTouchedRows(parameter, rows);
        }
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
    public double gradientNorm(NDManager scratch) {
        return GradientClipper.norm(optimizer.parameters(), optimizer::touchedRows, scratch);
    }

    /** The step zeroes the gradients itself (in its own pass on the CPU), so the zeroGrad that follows has nothing to do. */
    @Override
    public void optimizerStep(double lr, double gradScale, NDManager scratch) {
        optimizer.stepAndZeroGrad(lr, gradScale, scratch);
        gradientsZeroed = true;
    }

    @Override
    public void zeroGrad() {
        if (!gradientsZeroed) { // a skipped (non-finite) step left them
            optimizer.zeroGrad();
        }
        gradientsZeroed = false;
    }

    /** The optimizer stays the caller's to save and close. */
    @Override
    public void close() {}
}
