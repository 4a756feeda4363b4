package dev.mft.distributed.collective;

/** A collective failed: a peer died, hung past the timeout, or the backend reported an error. */
public final class CollectiveException extends RuntimeException {
    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
