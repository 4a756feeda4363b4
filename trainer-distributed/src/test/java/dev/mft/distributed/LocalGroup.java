package dev.mft.distributed;

import dev.mft.distributed.collective.Collective;
import dev.mft.distributed.collective.TcpRingCollective;
import dev.mft.distributed.rendezvous.StoreClient;
import dev.mft.distributed.rendezvous.StoreServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A process group of threads in this JVM, joined by a real store and a real TCP ring (tests only). */
public final class LocalGroup {
    private LocalGroup() {}

    /** What one rank does. */
    @FunctionalInterface
    public interface RankBody<T> {
        T run(int rank, Collective collective) throws Exception;
    }

    /** Runs {@code body} on every rank concurrently; returns the results by rank, or rethrows the first failure. */
    public static <T> List<T> run(int world, RankBody<T> body) throws Exception {
        Duration timeout = Duration.ofSeconds(60);
        String runId = "test-" + System.nanoTime();
        try (StoreServer server = StoreServer.start(0, runId, world)) {
            ExecutorService pool = Executors.newFixedThreadPool(world);
            try {
                List<Future<T>> futures = new ArrayList<>();
                for (int r = 0; r < world; r++) {
                    int rank = r;
                    futures.add(pool.submit(() -> {
                        try (StoreClient store = StoreClient.connect("127.0.0.1", server.port(), runId, rank, world,
                                timeout);
                                Collective c = TcpRingCollective.connect(store, runId, rank, world, timeout)) {
                            return body.run(rank, c);
                        }
                    }));
                }
                List<T> out = new ArrayList<>();
                for (Future<T> f : futures) {
                    try {
                        out.add(f.get(120, TimeUnit.SECONDS));
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
                    }
                }
                return out;
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
