package dev.mft.distributed.collective;

import dev.mft.distributed.rendezvous.StoreClient;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This rank's two ring connections: it sends to its right neighbour (rank + 1) and receives from its left one
 * (rank - 1). {@link #exchange} moves bytes both ways at once with non-blocking sockets, so neighbours that send
 * large chunks to each other never deadlock, and a dead or silent peer becomes an exception within the timeout.
 */
final class RingLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RingLink.class);
    private static final byte[] MAGIC = "mft-ring/1".getBytes(StandardCharsets.US_ASCII);
    private static final int SOCKET_BUFFER = 4 << 20;

    private final int rank;
    private final int worldSize;
    private final SocketChannel right;
    private final SocketChannel left;
    private final String rightName;
    private final String leftName;
    private final Selector selector;

    private RingLink(int rank, int worldSize, SocketChannel right, SocketChannel left, String rightName,
            String leftName) throws IOException {
        this.rank = rank;
        this.worldSize = worldSize;
        this.right = right;
        this.left = left;
        this.rightName = rightName;
        this.leftName = leftName;
        this.selector = Selector.open();
        right.configureBlocking(false);
        left.configureBlocking(false);
    }

    /**
     * Opens a listening socket, publishes its address in the store, connects to the right neighbour and accepts the
     * left one. A connection on our port that is not our left neighbour of this run is refused and logged.
     */
    static RingLink connect(StoreClient store, String runId, int rank, int worldSize, Duration timeout)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int rightRank = (rank + 1) % worldSize;
        int leftRank = (rank - 1 + worldSize) % worldSize;
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(0));
            // the address this host reaches the store from is one the other hosts can reach it at
            String host = store.localAddress().getHostAddress();
            store.set("ring/" + rank, host + ":" + server.socket().getLocalPort());
            String rightAddr = store.getString("ring/" + rightRank, remaining(deadline));
            SocketChannel right = connectTo(rightAddr, deadline);
            tune(right);
            ByteBuffer hello = hello(runId, rank);
            while (hello.hasRemaining()) {
                right.write(hello);
            }
            SocketChannel left = acceptFrom(server, runId, leftRank, rank, deadline);
            tune(left);
            return new RingLink(rank, worldSize, right, left, "rank " + rightRank + " (right neighbour, " + rightAddr
                    + ")", "rank " + leftRank + " (left neighbour, " + left.getRemoteAddress() + ")");
        }
    }

    private static SocketChannel connectTo(String hostPort, long deadline) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        InetSocketAddress addr = new InetSocketAddress(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                return SocketChannel.open(addr);
            } catch (IOException e) {
                last = e;
                sleep(100);
            }
        }
        throw new IOException("could not connect to " + hostPort + ": " + (last == null ? "timed out" : last.getMessage()));
    }

    private static SocketChannel acceptFrom(ServerSocketChannel server, String runId, int leftRank, int rank,
            long deadline) throws IOException {
        server.configureBlocking(false);
        try (Selector sel = Selector.open()) {
            server.register(sel, SelectionKey.OP_ACCEPT);
            while (true) {
                long left = remainingMillis(deadline);
                if (left <= 0 || sel.select(left) == 0 && remainingMillis(deadline) <= 0) {
                    throw new IOException("rank " + leftRank + " (left neighbour) did not connect to rank " + rank
                            + " in time");
                }
                sel.selectedKeys().clear();
                SocketChannel c = server.accept();
                if (c == null) {
                    continue;
                }
                String refusal = checkHello(c, runId, leftRank, deadline);
                if (refusal == null) {
                    return c;
                }
                LOG.warn("rank {}: refused a ring connection from {}: {}", rank, c.getRemoteAddress(), refusal);
                c.close();
            }
        }
    }

    /** Null when the peer is our left neighbour of this run, else why not. */
    private static String checkHello(SocketChannel c, String runId, int leftRank, long deadline) throws IOException {
        c.socket().setSoTimeout((int) Math.max(1, Math.min(10_000, remainingMillis(deadline))));
        try {
            java.io.DataInputStream in = new java.io.DataInputStream(c.socket().getInputStream());
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                return "not an mft ring peer";
            }
            String theirRun = in.readUTF();
            int theirRank = in.readInt();
            if (!runId.equals(theirRun)) {
                return "it belongs to another run";
            }
            if (theirRank != leftRank) {
                return "it claims rank " + theirRank + ", expected the left neighbour " + leftRank;
            }
            return null;
        } catch (IOException e) {
            return "no valid handshake (" + e.getMessage() + ")";
        }
    }

    private static ByteBuffer hello(String runId, int rank) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeUTF(runId);
        out.writeInt(rank);
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    private static void tune(SocketChannel c) throws IOException {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
        c.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
    }

    /**
     * Sends {@code send}'s remaining bytes to the right neighbour while receiving {@code recv}'s remaining bytes from
     * the left one; either may be null. Returns when both are done.
     *
     * @param what the collective, for error messages
     */
    void exchange(ByteBuffer send, ByteBuffer recv, String what, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean sending = send != null && send.hasRemaining();
        boolean receiving = recv != null && recv.hasRemaining();
        while (true) {
            // try before selecting: small messages usually go through at once
            if (sending) {
                writeSome(send, what);
                sending = send.hasRemaining();
            }
            if (receiving) {
                readSome(recv, what);
                receiving = recv.hasRemaining();
            }
            if (!sending && !receiving) {
                return;
            }
            SelectionKey rk = sending ? right.register(selector, SelectionKey.OP_WRITE) : right.keyFor(selector);
            SelectionKey lk = receiving ? left.register(selector, SelectionKey.OP_READ) : left.keyFor(selector);
            if (rk != null && !sending) {
                rk.interestOps(0);
            }
            if (lk != null && !receiving) {
                lk.interestOps(0);
            }
            long leftMillis = remainingMillis(deadline);
            if (leftMillis <= 0) {
                throw new CollectiveException("rank " + rank + ": " + what + " timed out after " + timeout.toSeconds()
                        + " s waiting " + (receiving ? "for " + leftName : "to send to " + rightName)
                        + "; that process hangs or died");
            }
            selector.select(leftMillis);
            selector.selectedKeys().clear();
        }
    }

    private void writeSome(ByteBuffer send, String what) {
        try {
            right.write(send);
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": " + what + ": sending to " + rightName + " failed ("
                    + e.getMessage() + "); that process exited or failed", e);
        }
    }

    private void readSome(ByteBuffer recv, String what) {
        int n;
        try {
            n = left.read(recv);
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": " + what + ": receiving from " + leftName + " failed ("
                    + e.getMessage() + "); that process exited or failed", e);
        }
        if (n < 0) {
            throw new CollectiveException("rank " + rank + ": " + what + ": " + leftName + " closed the connection;"
                    + " that process exited or failed", new EOFException());
        }
    }

    int worldSize() {
        return worldSize;
    }

    private static Duration remaining(long deadline) {
        return Duration.ofMillis(Math.max(1, remainingMillis(deadline)));
    }

    private static long remainingMillis(long deadline) {
        return (deadline - System.nanoTime()) / 1_000_000;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {right, left, selector}) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing ring link: {}", e.getMessage());
            }
        }
    }
}
