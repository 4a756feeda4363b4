package dev.mft.distributed.rendezvous;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Meeting of all ranks of a run before anything else: rank 0 hosts the store at MASTER_PORT, every rank (rank 0 too)
 * connects with the run id and waits until all have arrived, or fails after the timeout naming who did not.
 */
public final class Rendezvous {
    private Rendezvous() {}

    /** A joined rank: its store connection, and on rank 0 the store itself (kept open as long as the run). */
    public record Joined(StoreClient store, Optional<StoreServer> server) implements AutoCloseable {
        @Override
        public void close() {
            store.close();
            server.ifPresent(StoreServer::close);
        }
    }

    /**
     * @throws RendezvousException naming the missing ranks when not all arrive within {@code timeout}, or why this
     *     worker was refused
     */
    public static Joined join(String masterAddr, int masterPort, String runId, int rank, int worldSize,
            Duration timeout) {
        StoreServer server = null;
        if (rank == 0) {
            try {
                server = StoreServer.start(masterPort, runId, worldSize);
            } catch (IOException e) {
                throw new RendezvousException("rank 0: " + e.getMessage(), e);
            }
        }
        StoreClient client = null;
        try {
            client = StoreClient.connect(masterAddr, masterPort, runId, rank, worldSize, timeout);
            client.barrier("rendezvous", timeout); // counted from our arrival: every rank waits the full time
            return new Joined(client, Optional.ofNullable(server));
        } catch (RendezvousException e) {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
            throw new RendezvousException("rendezvous of run '" + StoreServer.abbreviate(runId) + "' failed: "
                    + e.getMessage(), e);
        }
    }
}
