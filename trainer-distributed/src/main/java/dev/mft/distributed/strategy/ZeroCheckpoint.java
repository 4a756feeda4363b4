package dev.mft.distributed.strategy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.io.AtomicFiles;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.Parameter;
import dev.mft.core.safetensors.SafetensorsDType;
import dev.mft.core.safetensors.SafetensorsFile;
import dev.mft.core.safetensors.SafetensorsWriter;
import dev.mft.core.safetensors.TensorEntry;
import dev.mft.core.tensor.TorchShim;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ZeRO checkpoints: every rank saves only what it owns, and any world size reads them back.
 *
 * <p>Layout, under a checkpoint folder: {@code zero/rank_<r>_of_<N>.safetensors} per rank, holding 1-D fp32 slices of
 * the trainable tensors named {@code <tensor>@<first element>} (the values), {@code ...@<first>.exp_avg} and
 * {@code ...@<first>.exp_avg_sq} (AdamW's moments), metadata {@code format=mft-zero}, {@code version},
 * {@code step}, {@code world_size}, {@code rank}; and {@code zero/layout.json} (rank 0) with the world size and every
 * trainable tensor's shape. Because slices name their position in the whole tensor, a rank of another world size
 * picks the pieces of its own shard from whichever files hold them, and {@link #consolidate} rebuilds whole tensors
 * (for a HF / PEFT folder). Frozen tensors (LoRA's base) are not saved: they are the base model.
 */
public final class ZeroCheckpoint {
    public static final String FOLDER = "zero";
    static final String FORMAT = "mft-zero";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ZeroCheckpoint() {}

    /** Writes this rank's slices (every rank calls it, into the same checkpoint folder). */
    public static void save(Path checkpoint, ZeroStrategy s, int rank, int worldSize) throws IOException {
        Path dir = Files.createDirectories(checkpoint.resolve(FOLDER));
        AdamW opt = s.optimizer();
        List<TensorEntry> entries = new ArrayList<>();
        for (int i = 0; i < opt.parameters().size(); i++) {
            String name = opt.parameters().get(i).name();
            entries.add(entry(name, opt.parameters().get(i).array()));
            entries.add(entry(name + ".exp_avg", opt.firstMoment(i)));
            entries.add(entry(name + ".exp_avg_sq", opt.secondMoment(i)));
        }
        SafetensorsWriter.write(dir.resolve("rank_" + rank + "_of_" + worldSize + ".safetensors"), entries,
                Map.of("format", FORMAT, "version", Integer.toString(VERSION), "step", Long.toString(opt.steps()),
                        "world_size", Integer.toString(worldSize), "rank", Integer.toString(rank)));
        if (rank == 0) {
            ObjectNode layout = JSON.createObjectNode();
            layout.put("format", FORMAT).put("version", VERSION).put("world_size", worldSize);
            ObjectNode shapes = layout.putObject("tensors");
            s.trainableShapes().forEach((name, shape) -> {
                var arr = shapes.putArray(name);
                for (long d : shape) {
                    arr.add(d);
                }
            });
            AtomicFiles.writeString(dir.resolve("layout.json"), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(layout));
        }
    }

    private static TensorEntry entry(String name, NDArray a) {
        return TensorEntry.of(name, SafetensorsDType.F32, new long[] {a.size()}, a.toByteBuffer());
    }

    /**
     * Restores this rank's parameter slices, AdamW moments and step from a checkpoint saved by any world size, then
     * shares the restored shards with every rank's whole copies.
     */
    public static void load(Path checkpoint, ZeroStrategy s) throws IOException {
        try (Slices stored = Slices.open(checkpoint.resolve(FOLDER))) {
            AdamW opt = s.optimizer();
            TorchShim shim = TorchShim.get();
            try (NDManager m = NDManager.newBaseManager()) {
                for (int i = 0; i < opt.parameters().size(); i++) {
                    Parameter p = opt.parameters().get(i);
                    int at = p.name().lastIndexOf('@');
                    String tensor = p.name().substring(0, at);
                    long first = Long.parseLong(p.name().substring(at + 1));
                    int n = Math.toIntExact(p.array().size());
                    shim.copyInto(p.array(), m.create(stored.read(tensor, "", first, n)));
                    shim.copyInto(opt.firstMoment(i), m.create(stored.read(tensor, ".exp_avg", first, n)));
                    shim.copyInto(opt.secondMoment(i), m.create(stored.read(tensor, ".exp_avg_sq", first, n)));
                }
            }
            opt.restoreSteps(stored.step);
        }
        s.publishShards();
    }

    /** The whole trainable tensors of a checkpoint, by name: their shapes and fp32 values in row-major order. */
    public static Map<String, Whole> consolidate(Path checkpoint) throws IOException {
        Path dir = checkpoint.resolve(FOLDER);
        JsonNode layout = JSON.readTree(dir.resolve("layout.json").toFile());
        Map<String, Whole> out = new LinkedHashMap<>();
        try (Slices stored = Slices.open(dir)) {
            for (var it = layout.path("tensors").fields(); it.hasNext(); ) {
                var e = it.next();
                long[] shape = new long[e.getValue().size()];
                long n = 1;
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = e.getValue().get(d).asLong();
                    n *= shape[d];
                }
                out.put(e.getKey(), new Whole(shape, stored.read(e.getKey(), "", 0, Math.toIntExact(n))));
            }
        }
        return out;
    }

    /** A whole tensor rebuilt from slices. */
    public record Whole(long[] shape, float[] values) {}

    /** Every slice in a zero/ folder, indexed by tensor (plus suffix) and first element. */
    private static final class Slices implements AutoCloseable {
        private record Slice(SafetensorsFile file, String key, long length) {}

        private final List<SafetensorsFile> files = new ArrayList<>();
        private final Map<String, TreeMap<Long, Slice>> byTensor = new HashMap<>();
        private final Path dir;
        private long step = -1;

        private Slices(Path dir) {
            this.dir = dir;
        }

        static Slices open(Path dir) throws IOException {
            Slices s = new Slices(dir);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "rank_*.safetensors")) {
                for (Path p : ds) {
                    s.add(SafetensorsFile.open(p));
                }
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            if (s.files.isEmpty()) {
                throw new IOException(dir + ": no rank_*.safetensors files; not a ZeRO checkpoint");
            }
            return s;
        }

        private void add(SafetensorsFile f) throws IOException {
            files.add(f);
            Map<String, String> meta = f.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new IOException(f.path() + ": format '" + meta.get("format") + "', expected '" + FORMAT + "'");
            }
            if (!Integer.toString(VERSION).equals(meta.get("version"))) {
                throw new IOException(f.path() + ": version " + meta.get("version") + ", this mft reads " + VERSION);
            }
            long fileStep = Long.parseLong(meta.get("step"));
            if (step >= 0 && fileStep != step) {
                throw new IOException(f.path() + ": saved at optimizer step " + fileStep + " but other ranks' files at "
                        + step + "; the checkpoint mixes two saves");
            }
            step = fileStep;
            for (String key : f.names()) {
                int at = key.lastIndexOf('@');
                String rest = key.substring(at + 1);
                int dot = rest.indexOf('.');
                String suffix = dot < 0 ? "" : rest.substring(dot);
                long first = Long.parseLong(dot < 0 ? rest : rest.substring(0, dot));
                byTensor.computeIfAbsent(key.substring(0, at) + suffix, k -> new TreeMap<>())
                        .put(first, new Slice(f, key, f.info(key).numElements()));
            }
        }

        /** Elements [first, first + n) of a tensor (suffix "" for values, ".exp_avg"... for moments). */
        float[] read(String tensor, String suffix, long first, int n) throws IOException {
            TreeMap<Long, Slice> slices = byTensor.get(tensor + suffix);
            if (slices == null) {
                throw new IOException(dir + ": no slices of '" + tensor + suffix + "' (was this checkpoint saved for"
                        + " other trainable parameters?)");
            }
            float[] out = new float[n];
            long pos = first;
            long end = first + n;
            while (pos < end) {
                var e = slices.floorEntry(pos);
                if (e == null || e.getKey() + e.getValue().length() <= pos) {
                    throw new IOException(dir + ": element " + pos + " of '" + tensor + suffix + "' is in no rank's"
                            + " file; the checkpoint is incomplete");
                }
                Slice s = e.getValue();
                long take = Math.min(end, e.getKey() + s.length()) - pos;
                FloatBuffer src = s.file().data(s.key()).asFloatBuffer();
                src.position((int) (pos - e.getKey()));
                src.get(out, (int) (pos - first), (int) take);
                pos += take;
            }
            return out;
        }

        @Override
        public void close() {
            files.forEach(SafetensorsFile::close);
        }
    }
}
