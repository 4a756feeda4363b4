package dev.mft.core.optim;

/**
 * Learning rate per optimizer step: linear warmup from 0 to the peak, then cosine / linear decay to {@code minLr},
 * or constant. {@code lr(step)} is the rate used FOR step {@code step} (0-based), as HF's LambdaLR schedules do.
 */
public record LrSchedule(Type type, double peakLr, double minLr, int warmupSteps, int totalSteps) {

    /** Decay shapes after warmup. */
    public enum Type {
        COSINE, LINEAR, CONSTANT, CONSTANT_WITH_WARMUP;

        /** Parses MFTCoder/HF names: cosine, linear, constant, constant_with_warmup. */
        public static Type parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("lr_scheduler_type '" + name
                        + "' is not supported; expected cosine, linear, constant or constant_with_warmup");
            }
        }
    }

    public LrSchedule {
        if (!(peakLr > 0) || minLr < 0 || minLr > peakLr) {
            throw new IllegalArgumentException("need learning_rate > 0 and 0 <= min_lr <= learning_rate; got "
                    + peakLr + " and " + minLr);
        }
        if (warmupSteps < 0 || totalSteps <= 0) {
            throw new IllegalArgumentException("need num_warmup_steps >= 0 and total steps > 0; got " + warmupSteps
                    + " and " + totalSteps);
        }
    }

    public double lr(int step) {
        if (type == Type.CONSTANT) {
            return peakLr;
        }
        if (step < warmupSteps) {
            return peakLr * (step + 1) / warmupSteps; // reaches the peak on the last warmup step; HF's first step is at lr 0
        }
        if (type == Type.CONSTANT_WITH_WARMUP) {
            return peakLr;
        }
        int decaySteps = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (step - warmupSteps) / (double) decaySteps);
        double shape = type == Type.COSINE ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
        return minLr + (peakLr - minLr) * shape;
    }
}
