package dev.mft.cli.config;

import java.util.Objects;

/**
 * Where and in which precision the run computes.
 *
 * @param device where to compute
 * @param numThreads CPU threads for the engine; 0 = the library's default
 * @param mixedPrecision compute dtype of forward and backward (master weights and optimizer state stay fp32)
 * @param seed seed for initialization, shuffling and dropout
 */
public record RuntimeConfig(Device device, int numThreads, MixedPrecision mixedPrecision, int seed) {

    /** Compute devices; AUTO picks CUDA when one is visible. */
    public enum Device implements ConfigChoice { AUTO, CPU, CUDA }

    /** Compute dtypes; NO = fp32. */
    public enum MixedPrecision implements ConfigChoice { NO, FP16, BF16 }

    public RuntimeConfig {
        Objects.requireNonNull(device, "device");
        Checks.nonNegative("num_threads", numThreads);
        Objects.requireNonNull(mixedPrecision, "mixed_precision");
        Checks.nonNegative("seed", seed);
    }
}
