package dev.mft.distributed.collective;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.distributed.rendezvous.StoreClient;
import dev.mft.distributed.rendezvous.StoreServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A dead or silent rank becomes an error on every other rank, within the collective timeout, never a hang. */
class PeerFailureTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.start();
    }

    /**
     * Rank 1 of 3 stops taking part after 3 all_reduces: it either dies (closes its connections, as a killed process's
     * are) or goes silent (keeps them open). Ranks 0 and 2 must both fail.
     */
    @ParameterizedTest(name = "peer dies: {0}")
    @ValueSource(booleans = {true, false})
    void everyOtherRankFailsWhenOneStopsTakingPart(boolean dies) throws Exception {
        int world = 3;
        Duration timeout = Duration.ofSeconds(3);
        String runId = "failure-" + dies;
        try (StoreServer server = StoreServer.start(0, runId, world)) {
            List<CompletableFuture<String>> outcomes = new ArrayList<>();
            List<Collective> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                outcomes.add(CompletableFuture.supplyAsync(() -> {
                    StoreClient store = StoreClient.connect("127.0.0.1", server.port(), runId, rank, world, timeout);
                    Collective c = TcpRingCollective.connect(store, runId, rank, world, timeout);
                    opened.add(c);
                    try (NDManager m = NDManager.newBaseManager()) {
                        NDArray a = m.ones(new ai.djl.ndarray.types.Shape(100_000));
                        for (int i = 0; ; i++) {
                            if (rank == 1 && i == 3) {
                                if (dies) {
                                    c.close();
                                }
                                return "stopped";
                            }
                            c.allReduce(a, ReduceOp.AVG);
                        }
                    } catch (CollectiveException e) {
                        return e.getMessage();
                    }
                }));
            }
            long start = System.nanoTime();
            for (int r : new int[] {0, 2}) {
                String message = outcomes.get(r).get(30, TimeUnit.SECONDS);
                assertTrue(message.startsWith("rank " + r + ": all_reduce #"), message);
                assertTrue(message.contains(dies ? "exited or failed" : "timed out after 3 s")
                        || message.contains("failed"), message);
            }
            assertTrue((System.nanoTime() - start) / 1e9 < 20, "the failure reached everybody promptly");
            opened.forEach(Collective::close);
        }
    }
}
