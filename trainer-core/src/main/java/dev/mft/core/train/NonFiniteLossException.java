package dev.mft.core.train;

/** Too many optimizer steps in a row had a NaN/Inf loss or gradient norm; the message says what to try. */
public final class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(String message) {
        super(message);
    }
}
