package dev.mft.core.checkpoint;

import java.io.IOException;

/** A checkpoint folder that is incomplete or does not match its manifest; the message names the file. */
public final class CorruptCheckpointException extends IOException {
    public CorruptCheckpointException(String message) {
        super(message);
    }
}
