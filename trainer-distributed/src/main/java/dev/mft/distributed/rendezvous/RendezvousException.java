package dev.mft.distributed.rendezvous;

/** Rendezvous failed: the store could not be reached, a rank did not arrive in time, or this worker was refused. */
public final class RendezvousException extends RuntimeException {
    public RendezvousException(String message) {
        super(message);
    }

    public RendezvousException(String message, Throwable cause) {
        super(message, cause);
    }
}
