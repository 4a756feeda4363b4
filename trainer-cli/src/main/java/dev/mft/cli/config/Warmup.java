package dev.mft.cli.config;

/**
 * Learning-rate warmup from {@code num_warmup_steps}: MFTCoder reads a value below 1 as a share of the total
 * optimizer steps and any other value as a step count.
 */
public sealed interface Warmup permits Warmup.Steps, Warmup.Ratio {
    String KEY = "num_warmup_steps";

    /** The warmup length for a run of {@code totalSteps} optimizer steps. */
    int steps(int totalSteps);

    /** Reads MFTCoder's number: 0 or a whole number >= 1 is a count, a value in (0, 1) a ratio. */
    static Warmup of(double value) {
        Checks.nonNegative(KEY, value);
        if (value > 0 && value < 1) {
            return new Ratio(value);
        }
        Checks.check(value == Math.rint(value) && value <= Integer.MAX_VALUE, KEY, value,
                "a ratio in (0, 1) or a whole number of steps");
        return new Steps((int) value);
    }

    /** A fixed number of warmup steps. */
    record Steps(int count) implements Warmup {
        public Steps {
            Checks.nonNegative(KEY, count);
        }

        @Override
        public int steps(int totalSteps) {
            return count;
        }
    }

    /** A share of the run's optimizer steps. */
    record Ratio(double ratio) implements Warmup {
        public Ratio {
            Checks.check(ratio > 0 && ratio < 1, KEY, ratio, "a ratio in (0, 1)");
        }

        @Override
        public int steps(int totalSteps) {
            // Floor, as MFTCoder's int(max_train_steps * ratio).
            return (int) Math.floor(totalSteps * ratio);
        }
    }
}
