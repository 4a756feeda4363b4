package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Keys and values of the tokens decoded so far, per layer: [B, Hkv, T, D] each, on the cache's own manager. */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[][] kv; // [layer][0 = keys, 1 = values]
    private int length;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.kv = new NDArray[layers][2];
    }

    /** Tokens cached so far. */
    public int length() {
        return length;
    }

    /** Appends this step's keys or values of a layer and returns the whole sequence. */
    NDArray append(int layer, int which, NDArray fresh) {
        NDArray old = kv[layer][which];
        NDArray all = old == null ? fresh.duplicate() : old.concat(fresh, 2);
        all.attach(manager);
        if (old != null) {
            old.close();
        }
        kv[layer][which] = all;
        return all;
    }

    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
