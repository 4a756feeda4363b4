package dev.mft.distributed.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RendezvousTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static CompletableFuture<Rendezvous.Joined> join(int port, String runId, int rank, int world,
            Duration timeout) {
        return CompletableFuture.supplyAsync(() -> Rendezvous.join("127.0.0.1", port, runId, rank, world, timeout));
    }

    @Test
    void allRanksMeetAndShareValues() throws Exception {
        int port = freePort();
        List<CompletableFuture<Rendezvous.Joined>> ranks = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            ranks.add(join(port, "run-a", r, 3, Duration.ofSeconds(20)));
        }
        List<Rendezvous.Joined> joined = new ArrayList<>();
        for (CompletableFuture<Rendezvous.Joined> f : ranks) {
            joined.add(f.get(30, TimeUnit.SECONDS));
        }
        joined.get(2).store().set("greeting", "hello from 2");
        assertEquals("hello from 2", joined.get(0).store().getString("greeting", Duration.ofSeconds(5)));
        assertEquals(1, joined.get(1).store().add("counter", 1));
        assertEquals(3, joined.get(0).store().add("counter", 2));
        joined.forEach(Rendezvous.Joined::close);
    }

    @Test
    void aRankThatNeverArrivesFailsTheOthersWithItsNameAfterTheTimeout() throws Exception {
        int port = freePort();
        long start = System.nanoTime();
        // world of 3, rank 1 never starts
        CompletableFuture<Rendezvous.Joined> r0 = join(port, "run-b", 0, 3, Duration.ofSeconds(2));
        CompletableFuture<Rendezvous.Joined> r2 = join(port, "run-b", 2, 3, Duration.ofSeconds(2));
        for (CompletableFuture<Rendezvous.Joined> f : List.of(r0, r2)) {
            Throwable e = assertThrows(Exception.class, () -> f.get(20, TimeUnit.SECONDS)).getCause();
            assertTrue(e instanceof RendezvousException, String.valueOf(e));
            assertTrue(e.getMessage().contains("rank(s) [1] of 3 never arrived"), e.getMessage());
            assertTrue(e.getMessage().contains("timed out after 2 s"), e.getMessage());
        }
        assertTrue(System.nanoTime() - start < 15e9, "failed promptly, not hung");
    }

    @Test
    void withoutRankZeroTheOthersNameTheStoreTheyCouldNotReach() throws Exception {
        int port = freePort();
        Throwable e = assertThrows(Exception.class,
                () -> join(port, "run-c", 1, 2, Duration.ofSeconds(1)).get(20, TimeUnit.SECONDS)).getCause();
        assertTrue(e.getMessage().contains("could not reach the rendezvous store at 127.0.0.1:" + port),
                e.getMessage());
    }

    @Test
    void aWrongRunIdAndATakenRankAreRefusedAndTheRunGoesOn() throws Exception {
        int port = freePort();
        CompletableFuture<Rendezvous.Joined> r0 = join(port, "the-run", 0, 2, Duration.ofSeconds(20));
        Thread.sleep(300); // rank 0's store is up

        RendezvousException stranger = assertThrows(RendezvousException.class, () -> StoreClient.connect("127.0.0.1",
                port, "another-run", 1, 2, Duration.ofSeconds(5)));
        assertTrue(stranger.getMessage().contains("is not this run's"), stranger.getMessage());

        // something that does not speak the protocol at all
        try (Socket s = new Socket("127.0.0.1", port)) {
            new DataOutputStream(s.getOutputStream()).writeBytes("GET / HTTP/1.1\r\n\r\n");
            s.shutdownOutput(); // the store sees a handshake cut short, refuses it, and closes
            s.getInputStream().read();
        }

        CompletableFuture<Rendezvous.Joined> r1 = join(port, "the-run", 1, 2, Duration.ofSeconds(20));
        Rendezvous.Joined rank0 = r0.get(30, TimeUnit.SECONDS);
        Rendezvous.Joined rank1 = r1.get(30, TimeUnit.SECONDS);

        RendezvousException duplicate = assertThrows(RendezvousException.class, () -> StoreClient.connect(
                "127.0.0.1", port, "the-run", 1, 2, Duration.ofSeconds(5)));
        assertTrue(duplicate.getMessage().contains("rank 1 is already taken"), duplicate.getMessage());

        // the real ranks carry on
        rank1.store().set("k", "v");
        assertEquals("v", rank0.store().getString("k", Duration.ofSeconds(5)));
        List<String> refusals = rank0.server().orElseThrow().refusals();
        assertEquals(3, refusals.size(), refusals.toString());
        assertTrue(refusals.stream().anyMatch(s -> s.contains("not an mft worker")), refusals.toString());
        rank1.close();
        rank0.close();
    }
}
