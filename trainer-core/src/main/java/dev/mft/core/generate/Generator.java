package dev.mft.core.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.model.KvCache;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.tensor.Autograd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/** Autoregressive decoding of one sequence, with a KV cache (default) or by re-running the whole prefix. */
public final class Generator {
    private final LlamaModel model;
    private final NDManager root;
    private final Device device;

    public Generator(LlamaModel model, NDManager root, Device device) {
        this.model = model;
        this.root = root;
        this.device = device;
    }

    /**
     * Generates after {@code prompt}; each new token goes to {@code onToken} as it is chosen (for streaming output).
     * Stops at a stop id (included in the result) or after maxNewTokens.
     */
    public int[] generate(int[] prompt, Sampling s, boolean useCache, IntConsumer onToken) {
        List<Integer> out = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(s.seed());
        int[] seq = Arrays.copyOf(prompt, prompt.length + s.maxNewTokens());
        int len = prompt.length;
        try (Autograd.NoGrad noGrad = Autograd.noGrad();
                KvCache cache = useCache ? model.newCache(root) : null) {
            for (int i = 0; i < s.maxNewTokens(); i++) {
                float[] logits;
                try (NDManager step = root.newSubManager(device)) {
                    int from = useCache && cache.length() > 0 ? len - 1 : 0; // only the new token once cached
                    int n = len - from;
                    long[] ids = new long[n];
                    long[] pos = new long[n];
                    for (int j = 0; j < n; j++) {
                        ids[j] = seq[from + j];
                        pos[j] = from + j;
                    }
                    NDArray idArr = step.create(ids, new Shape(1, n)).toDevice(device, false);
                    NDArray posArr = step.create(pos, new Shape(1, n)).toDevice(device, false);
                    NDArray all = model.forward(idArr, posArr, len - 1, cache); // [1, n, V]
                    logits = all.get(new NDIndex("0, -1")).toFloatArray(); // [V] of the last position
                }
                int next = choose(logits, s, rng);
                seq[len++] = next;
                out.add(next);
                onToken.accept(next);
                if (s.stopIds().contains(next)) {
                    break;
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Greedy argmax (lowest id on ties) or temperature + top-p sampling. */
    static int choose(float[] logits, Sampling s, SplittableRandom rng) {
        if (s.temperature() == 0) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double z = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / s.temperature());
            z += p[i];
        }
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double kept = 0;
        int cut = 0;
        while (cut < order.length && kept < s.topP() * z) {
            kept += p[order[cut++]];
        }
        double r = rng.nextDouble() * kept;
        for (int i = 0; i < cut; i++) {
            r -= p[order[i]];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[cut - 1];
    }
}
