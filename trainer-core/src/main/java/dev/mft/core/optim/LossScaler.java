package dev.mft.core.optim;

/**
 * Dynamic loss scaling for fp16 compute (torch.cuda.amp.GradScaler's rule): the loss is multiplied by
 * {@link #scale()} before backward so small gradients survive fp16; the gradients' norm is divided by it before
 * clipping, and the update divides the gradients by it together with the clip factor (no pass of its own);
 * a step whose gradients overflow is skipped and the scale halved; after {@code growthInterval} good steps in a row
 * the scale doubles.
 */
public final class LossScaler {
    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private double scale;
    private int goodSteps;

    public LossScaler(double initialScale, double growthFactor, double backoffFactor, int growthInterval) {
        if (!(initialScale > 0) || !(growthFactor > 1) || !(backoffFactor > 0 && backoffFactor < 1)
                || growthInterval <= 0) {
            throw new IllegalArgumentException("loss scaler needs scale > 0, growth > 1, 0 < backoff < 1, interval > 0");
        }
        this.scale = initialScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** torch's defaults: 2^16, x2 every 2000 good steps, x0.5 on overflow. */
    public static LossScaler torchDefaults() {
        return new LossScaler(65536.0, 2.0, 0.5, 2000);
    }

    public double scale() {
        return scale;
    }

    /** Records a step's outcome and adjusts the scale; returns whether the step's update may be applied. */
    public boolean update(boolean gradientsFinite) {
        if (!gradientsFinite) {
            scale *= backoffFactor;
            goodSteps = 0;
            return false;
        }
        if (++goodSteps == growthInterval) {
            scale *= growthFactor;
            goodSteps = 0;
        }
        return true;
    }
}
