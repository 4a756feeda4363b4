package dev.mft.distributed.rendezvous;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** One worker's connection to the run's {@link StoreServer}; one request at a time. */
public final class StoreClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final String where;
    private final int rank;
    private final Duration requestTimeout;

    private StoreClient(Socket socket, String where, int rank, Duration requestTimeout) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        this.where = where;
        this.rank = rank;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Connects to the store at {@code host:port} as {@code rank} of run {@code runId}, retrying until {@code timeout}
     * (the store's host may start later than this worker).
     *
     * @throws RendezvousException when the store is not reachable in time or refuses this worker
     */
    public static StoreClient connect(String host, int port, String runId, int rank, int worldSize,
            Duration timeout) {
        String where = host + ":" + port;
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            Socket s = new Socket();
            try {
                long leftMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                s.connect(new InetSocketAddress(host, port), (int) Math.min(leftMillis, 5_000));
                s.setTcpNoDelay(true);
                StoreClient c = new StoreClient(s, where, rank, timeout);
                c.hello(runId, worldSize);
                return c;
            } catch (RendezvousException e) {
                closeQuietly(s);
                throw e;
            } catch (IOException e) {
                closeQuietly(s);
                last = e;
                sleep(200);
            }
        }
        throw new RendezvousException("rank " + rank + " could not reach the rendezvous store at " + where + " within "
                + timeout.toSeconds() + " s (" + (last == null ? "no attempt" : last.getMessage()) + "); rank 0"
                + " hosts it: did rank 0 start, and are MASTER_ADDR/MASTER_PORT right?");
    }

    private void hello(String runId, int worldSize) throws IOException {
        out.writeUTF(StoreProtocol.MAGIC);
        out.writeUTF(runId);
        out.writeInt(rank);
        out.writeInt(worldSize);
        out.flush();
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, requestTimeout.toMillis() + 30_000));
        boolean ok = in.readBoolean();
        String message = in.readUTF();
        if (!ok) {
            throw new RendezvousException("the rendezvous store at " + where + " refused rank " + rank + ": " + message);
        }
    }

    /** Sets {@code key} to {@code value} (waking everybody waiting for it). */
    public synchronized void set(String key, byte[] value) {
        try {
            out.writeByte(StoreProtocol.SET);
            out.writeUTF(key);
            out.writeInt(value.length);
            out.write(value);
            out.flush();
            in.readBoolean();
        } catch (IOException e) {
            throw lost("set '" + key + "'", e);
        }
    }

    public void set(String key, String value) {
        set(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The value of {@code key}, waiting up to {@code timeout} for some rank to set it. */
    public synchronized byte[] get(String key, Duration timeout) {
        try {
            out.writeByte(StoreProtocol.GET);
            out.writeUTF(key);
            out.writeLong(timeout.toMillis());
            out.flush();
            if (!in.readBoolean()) {
                throw new RendezvousException("rank " + rank + " waited " + timeout.toSeconds() + " s for '" + key
                        + "' at the rendezvous store " + where + ": " + in.readUTF());
            }
            byte[] v = new byte[in.readInt()];
            in.readFully(v);
            return v;
        } catch (IOException e) {
            throw lost("get '" + key + "'", e);
        }
    }

    public String getString(String key, Duration timeout) {
        return new String(get(key, timeout), StandardCharsets.UTF_8);
    }

    /** Adds {@code delta} to the counter {@code key} (0 when unset) and returns the new value. */
    public synchronized long add(String key, long delta) {
        try {
            out.writeByte(StoreProtocol.ADD);
            out.writeUTF(key);
            out.writeLong(delta);
            out.flush();
            return in.readLong();
        } catch (IOException e) {
            throw lost("add '" + key + "'", e);
        }
    }

    /**
     * Returns when every rank has called {@code barrier(name)}; after {@code timeout} fails with a message naming
     * the ranks that did not come.
     */
    public synchronized void barrier(String name, Duration timeout) {
        try {
            out.writeByte(StoreProtocol.BARRIER);
            out.writeUTF(name);
            out.writeLong(timeout.toMillis());
            out.flush();
            if (!in.readBoolean()) {
                throw new RendezvousException("'" + name + "' at " + where + " timed out after " + timeout.toSeconds()
                        + " s: " + in.readUTF());
            }
            in.readUTF();
        } catch (IOException e) {
            throw lost("barrier '" + name + "'", e);
        }
    }

    /** This end's address on the interface that reaches the store (what other ranks can reach us at). */
    public InetAddress localAddress() {
        return socket.getLocalAddress();
    }

    public int rank() {
        return rank;
    }

    private RendezvousException lost(String what, IOException e) {
        String why = e instanceof EOFException ? "the store closed the connection (rank 0 exited or failed)"
                : e.getMessage();
        return new RendezvousException("rank " + rank + ": " + what + " at the rendezvous store " + where + " failed: "
                + why, e);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RendezvousException("interrupted while connecting to the rendezvous store", e);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to do with a socket that failed
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(socket);
    }
}
