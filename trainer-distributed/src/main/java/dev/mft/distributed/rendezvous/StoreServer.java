package dev.mft.distributed.rendezvous;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small key-value store over TCP, like torch's TCPStore, hosted by rank 0: workers exchange addresses and the NCCL
 * unique id through it and meet at barriers. Only this run's workers get in: a connection must open with the run's
 * id and an unclaimed rank below the world size; anything else is refused, logged, and the run goes on.
 */
public final class StoreServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreServer.class);
    /** A peer has this long to say HELLO (a stranger that says nothing must not hold a thread forever). */
    private static final int HANDSHAKE_MILLIS = 10_000;

    private final ServerSocket server;
    private final String runId;
    private final int worldSize;
    private final Object lock = new Object();
    private final Map<String, byte[]> values = new HashMap<>();
    private final Map<Integer, String> claimed = new TreeMap<>();
    private final Map<String, Set<Integer>> barriers = new HashMap<>();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mft-store");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    private StoreServer(ServerSocket server, String runId, int worldSize) {
        this.server = server;
        this.runId = runId;
        this.worldSize = worldSize;
    }

    /** Listens on every interface at {@code port} (0 = any free port) for the workers of run {@code runId}. */
    public static StoreServer start(int port, String runId, int worldSize) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true); // a restarted worker group binds the same port right after the old one exited
        try {
            s.bind(new InetSocketAddress(port), 128);
        } catch (IOException e) {
            s.close();
            throw new IOException("could not open the rendezvous store on port " + port + " (" + e.getMessage()
                    + "); is another run using this MASTER_PORT?", e);
        }
        StoreServer store = new StoreServer(s, runId, worldSize);
        store.threads.execute(store::acceptLoop);
        return store;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Why each refused connection was refused, in order (also logged as warnings). */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("rendezvous store: accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(Socket socket) {
        String peer = String.valueOf(socket.getRemoteSocketAddress());
        try (socket) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(HANDSHAKE_MILLIS);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
            int[] rank = {-1};
            String refusal = handshake(in, peer, rank);
            if (refusal != null) {
                refuse(peer, refusal); // recorded before the peer hears of it
            }
            out.writeBoolean(refusal == null);
            out.writeUTF(refusal == null ? "welcome" : refusal);
            out.flush();
            if (refusal != null) {
                return;
            }
            socket.setSoTimeout(0); // a worker may stay quiet for a long time between requests
            while (!closed) {
                int op = in.read();
                if (op < 0) {
                    return;
                }
                answer((byte) op, rank[0], in, out);
                out.flush();
            }
        } catch (SocketTimeoutException e) {
            refuse(peer, "said nothing within " + HANDSHAKE_MILLIS / 1000 + " s");
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("rendezvous store: connection from {} ended: {}", peer, e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Null when the peer may join, else why not. */
    private String handshake(DataInputStream in, String peer, int[] rankOut) throws IOException {
        String magic;
        try {
            magic = in.readUTF();
        } catch (IOException e) {
            return "not an mft worker (no handshake)";
        }
        if (!StoreProtocol.MAGIC.equals(magic)) {
            return "not an mft worker (handshake '" + abbreviate(magic) + "')";
        }
        String theirRun = in.readUTF();
        int rank = in.readInt();
        int world = in.readInt();
        if (!runId.equals(theirRun)) {
            return "run id '" + abbreviate(theirRun) + "' is not this run's (a worker of another run, or a stranger)";
        }
        if (world != worldSize) {
            return "world size " + world + " differs from this run's " + worldSize;
        }
        if (rank < 0 || rank >= worldSize) {
            return "rank " + rank + " is outside 0.." + (worldSize - 1);
        }
        synchronized (lock) {
            String holder = claimed.get(rank);
            if (holder != null) {
                return "rank " + rank + " is already taken by " + holder;
            }
            claimed.put(rank, peer);
            lock.notifyAll();
        }
        rankOut[0] = rank;
        return null;
    }

    private void refuse(String peer, String why) {
        String line = "refused a connection from " + peer + ": " + why;
        refusals.add(line);
        LOG.warn("rendezvous store: {}", line);
    }

    private void answer(byte op, int rank, DataInputStream in, DataOutputStream out)
            throws IOException, InterruptedException {
        switch (op) {
            case StoreProtocol.SET -> {
                String key = in.readUTF();
                byte[] value = readValue(in);
                synchronized (lock) {
                    values.put(key, value);
                    lock.notifyAll();
                }
                out.writeBoolean(true);
            }
            case StoreProtocol.GET -> {
                String key = in.readUTF();
                long deadline = System.currentTimeMillis() + in.readLong();
                byte[] value;
                synchronized (lock) {
                    while ((value = values.get(key)) == null && waitUntil(deadline)) {
                        // woken by a SET or the deadline
                    }
                }
                out.writeBoolean(value != null);
                if (value != null) {
                    out.writeInt(value.length);
                    out.write(value);
                } else {
                    out.writeUTF("key '" + key + "' was not set in time");
                }
            }
            case StoreProtocol.ADD -> {
                String key = in.readUTF();
                long delta = in.readLong();
                long now;
                synchronized (lock) {
                    byte[] old = values.get(key);
                    now = (old == null ? 0 : Long.parseLong(new String(old, java.nio.charset.StandardCharsets.UTF_8)))
                            + delta;
                    values.put(key, Long.toString(now).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    lock.notifyAll();
                }
                out.writeLong(now);
            }
            case StoreProtocol.BARRIER -> {
                String name = in.readUTF();
                long deadline = System.currentTimeMillis() + in.readLong();
                String missing = null;
                synchronized (lock) {
                    Set<Integer> arrived = barriers.computeIfAbsent(name, k -> new TreeSet<>());
                    arrived.add(rank);
                    lock.notifyAll();
                    while (arrived.size() < worldSize && waitUntil(deadline)) {
                        // woken by another arrival or the deadline
                    }
                    if (arrived.size() < worldSize) {
                        missing = describeMissing(arrived);
                    }
                }
                out.writeBoolean(missing == null);
                out.writeUTF(missing == null ? "" : missing);
            }
            default -> throw new IOException("unknown store op " + op);
        }
    }

    /** Waits on the lock until the deadline; false once it has passed. */
    private boolean waitUntil(long deadline) throws InterruptedException {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0 || closed) {
            return false;
        }
        lock.wait(left);
        return true;
    }

    private String describeMissing(Set<Integer> arrived) {
        List<Integer> neverConnected = new ArrayList<>();
        List<Integer> notHere = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            if (!arrived.contains(r)) {
                (claimed.containsKey(r) ? notHere : neverConnected).add(r);
            }
        }
        StringBuilder sb = new StringBuilder();
        if (!neverConnected.isEmpty()) {
            sb.append("rank(s) ").append(neverConnected).append(" of ").append(worldSize).append(" never arrived");
        }
        if (!notHere.isEmpty()) {
            sb.append(sb.length() > 0 ? "; " : "").append("rank(s) ").append(notHere)
                    .append(" connected but did not reach this barrier");
        }
        return sb.toString();
    }

    private static byte[] readValue(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > StoreProtocol.MAX_VALUE_BYTES) {
            throw new IOException("store value of " + n + " bytes refused (limit " + StoreProtocol.MAX_VALUE_BYTES + ")");
        }
        byte[] v = new byte[n];
        in.readFully(v);
        return v;
    }

    /** Run ids are secrets of a sort: logs show only their start. */
    static String abbreviate(String s) {
        String clean = s.replaceAll("[^\\x20-\\x7e]", "?");
        return clean.length() <= 8 ? clean : clean.substring(0, 8) + "…";
    }

    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the store: {}", e.getMessage());
        }
        threads.shutdownNow();
    }
}
