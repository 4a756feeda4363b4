package dev.mft.core.model;

/** A checkpoint whose tensor names or shapes do not fit its config.json; the message names the tensor. */
public final class CheckpointMismatchException extends RuntimeException {
    public CheckpointMismatchException(String message) {
        super(message);
    }
}
