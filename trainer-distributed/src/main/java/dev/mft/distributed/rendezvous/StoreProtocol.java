package dev.mft.distributed.rendezvous;

/**
 * The store's wire format (big-endian, java.io.Data* encoding). A connection starts with HELLO; every request is an
 * op byte followed by its fields, answered in order:
 * <pre>
 *   HELLO   utf magic, utf runId, int rank, int worldSize   -> bool ok, utf message
 *   SET     utf key, int length, bytes                       -> bool ok
 *   GET     utf key, long timeoutMillis                      -> bool found, (int length, bytes) | utf message
 *   ADD     utf key, long delta                              -> long value
 *   BARRIER utf name, long timeoutMillis                     -> bool ok, utf message (names the missing ranks)
 * </pre>
 * BARRIER counts the rank the connection claimed in HELLO, so a worker cannot arrive on another's behalf.
 */
final class StoreProtocol {
    private StoreProtocol() {}

    static final String MAGIC = "mft-store/1";
    static final byte SET = 1;
    static final byte GET = 2;
    static final byte ADD = 3;
    static final byte BARRIER = 4;

    /** Longest value accepted (the NCCL unique id is 128 bytes; addresses are short). */
    static final int MAX_VALUE_BYTES = 1 << 20;
}
