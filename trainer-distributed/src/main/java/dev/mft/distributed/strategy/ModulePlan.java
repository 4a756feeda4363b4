package dev.mft.distributed.strategy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.TensorLayout;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.TorchShim;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which tensors communicate together. Stages 2-3 group them by the forward piece that uses them (the embedding, each
 * decoder layer, the head) so a layer's gradients are reduced right after its backward and, in stage 3, its weights
 * gathered right before it runs; within a piece, tensors are packed into buckets of at most
 * {@link ZeroSettings#bucketElements()} elements. Names are matched on the {@code model.layers.N.} part, so PEFT's
 * {@code base_model.model.model.layers.N...lora_A.weight} lands in layer N too; a tensor no piece claims goes to a
 * last module that stays whole on every rank.
 */
final class ModulePlan {
    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.");

    /** One forward piece's buckets: partitioned ones (gathered on use in stage 3) and ones kept whole. */
    record Module(String name, List<Bucket> partitioned, List<Bucket> whole) {
        List<Bucket> all() {
            List<Bucket> out = new ArrayList<>(partitioned);
            out.addAll(whole);
            return out;
        }
    }

    private final List<Module> modules;
    private final int numLayers;

    private ModulePlan(List<Module> modules, int numLayers) {
        this.modules = modules;
        this.numLayers = numLayers;
    }

    /**
     * @param tensors every tensor the model uses, by name (trainable ones included)
     * @param numLayers decoder layers of the model
     */
    static ModulePlan build(List<Parameter> trainable, Map<String, NDArray> tensors, ZeroSettings s, int numLayers,
            int rank, int worldSize, NDManager manager) {
        Map<NDArray, Parameter> isTrainable = new IdentityHashMap<>();
        trainable.forEach(p -> isTrainable.put(p.array(), p));
        List<List<Bucket.Entry>> byModule = new ArrayList<>();
        int count = s.stage() <= 1 ? 1 : numLayers + 3;
        for (int i = 0; i < count; i++) {
            byModule.add(new ArrayList<>());
        }
        List<Bucket.Entry> all = new ArrayList<>();
        for (Parameter p : trainable) {
            all.add(new Bucket.Entry(p.name(), p.array(), p.decay()));
        }
        if (s.stage() == 3) { // frozen weights (LoRA's base) are partitioned too; before that they stay whole
            tensors.forEach((name, t) -> {
                if (!isTrainable.containsKey(t)) {
                    all.add(new Bucket.Entry(name, t, false));
                }
            });
        }
        for (Bucket.Entry e : all) {
            byModule.get(count == 1 ? 0 : moduleOf(e.name(), numLayers)).add(e);
        }
        List<Module> modules = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean lastKeptWhole = count > 1 && i == count - 1;
            modules.add(bucketize(name(i, count, numLayers), byModule.get(i), isTrainable, s, lastKeptWhole, rank,
                    worldSize, manager));
        }
        return new ModulePlan(modules, numLayers);
    }

    /** Module index: 0 embedding, 1..L decoder layers, L+1 head, L+2 anything else. */
    static int moduleOf(String name, int numLayers) {
        Matcher m = LAYER.matcher(name);
        if (m.find()) {
            int layer = Integer.parseInt(m.group(1));
            if (layer < numLayers) {
                return 1 + layer;
            }
        }
        if (name.endsWith(TensorLayout.EMBED) || name.contains("embed_tokens.")) {
            return 0;
        }
        if (name.endsWith(TensorLayout.FINAL_NORM) || name.contains("lm_head.")) {
            return numLayers + 1;
        }
        return numLayers + 2;
    }

    private static String name(int i, int count, int numLayers) {
        if (count == 1) {
            return "all";
        }
        if (i == 0) {
            return "embed";
        }
        if (i <= numLayers) {
            return "layer " + (i - 1);
        }
        return i == numLayers + 1 ? "head" : "other";
    }

    private static Module bucketize(String name, List<Bucket.Entry> entries, Map<NDArray, Parameter> isTrainable,
            ZeroSettings s, boolean keptWhole, int rank, int worldSize, NDManager manager) {
        List<Bucket> partitioned = new ArrayList<>();
        List<Bucket> whole = new ArrayList<>();
        List<Bucket.Entry> open = new ArrayList<>();
        long openElements = 0;
        String openKey = null;
        for (Bucket.Entry e : entries) {
            boolean stays = keptWhole || s.stage() < 3 || e.tensor().size() < s.persistenceThreshold();
            String key = isTrainable.containsKey(e.tensor()) + "/" + TorchShim.get().dtypeOf(e.tensor()) + "/" + stays;
            if (!open.isEmpty() && (!key.equals(openKey) || openElements >= s.bucketElements())) {
                close(open, openKey, isTrainable, partitioned, whole, rank, worldSize, manager);
                open = new ArrayList<>();
                openElements = 0;
            }
            open.add(e);
            openKey = key;
            openElements += e.tensor().size();
        }
        if (!open.isEmpty()) {
            close(open, openKey, isTrainable, partitioned, whole, rank, worldSize, manager);
        }
        return new Module(name, partitioned, whole);
    }

    private static void close(List<Bucket.Entry> entries, String key, Map<NDArray, Parameter> isTrainable,
            List<Bucket> partitioned, List<Bucket> whole, int rank, int worldSize, NDManager manager) {
        Bucket b = new Bucket(entries, isTrainable.containsKey(entries.get(0).tensor()), rank, worldSize, manager);
        (key.endsWith("/true") ? whole : partitioned).add(b);
    }

    List<Module> modules() {
        return modules;
    }

    Module embed() {
        return modules.get(0);
    }

    Module layer(int i) {
        return modules.get(1 + i);
    }

    Module head() {
        return modules.get(numLayers + 1);
    }

    Module other() {
        return modules.get(numLayers + 2);
    }

    List<Bucket> buckets() {
        List<Bucket> out = new ArrayList<>();
        modules.forEach(m -> out.addAll(m.all()));
        return out;
    }

    List<Bucket> trainableBuckets() {
        return buckets().stream().filter(Bucket::trainable).toList();
    }
}
