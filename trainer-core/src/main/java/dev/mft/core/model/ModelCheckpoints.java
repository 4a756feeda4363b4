package dev.mft.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.Pointer;
import dev.mft.core.io.AtomicFiles;
import dev.mft.core.io.ByteChannels;
import dev.mft.core.safetensors.SafetensorsDType;
import dev.mft.core.safetensors.ShardedCheckpoint;
import dev.mft.core.safetensors.ShardedCheckpointWriter;
import dev.mft.core.safetensors.TensorEntry;
import dev.mft.core.safetensors.TensorInfo;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads a HF model folder's weights into fp32 training tensors, and saves them back as a HF folder. Every tensor is
 * checked against {@link TensorLayout#expected}: a missing, unexpected or mis-shaped tensor is refused by name.
 */
public final class ModelCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelCheckpoints() {}

    /** Reads config.json and the safetensors weights of {@code dir} onto {@code device} as fp32. */
    public static ModelWeights load(Path dir, NDManager parent, Device device) throws IOException {
        ModelConfig config = ModelConfig.read(dir);
        Map<String, long[]> expected = TensorLayout.expected(config);
        NDManager m = parent.newSubManager(device);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        TorchShim shim = TorchShim.get();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            checkNames(dir, ckpt.names(), expected, config);
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                String name = e.getKey();
                TensorInfo info = ckpt.info(name);
                if (!Arrays.equals(info.shape(), e.getValue())) {
                    throw new CheckpointMismatchException(ckpt.fileOf(name).path() + ": tensor '" + name
                            + "' has shape " + Arrays.toString(info.shape()) + ", but config.json implies "
                            + Arrays.toString(e.getValue()));
                }
                try (NDManager scratch = m.newSubManager()) {
                    NDArray mapped = shim.fromBuffer(scratch, ckpt.data(name), 0, torchDType(info, ckpt, name),
                            info.shape()); // zero-copy view of the mapped file
                    NDArray f32 = info.dtype() == SafetensorsDType.F32 ? mapped.duplicate()
                            : shim.cast(mapped, TorchDType.FLOAT32); // a fresh fp32 copy
                    NDArray onDevice = device.equals(f32.getDevice()) ? f32 : f32.toDevice(device, false);
                    onDevice.attach(m);
                    tensors.put(name, onDevice);
                }
            }
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return new ModelWeights(config, m, tensors);
    }

    private static TorchDType torchDType(TensorInfo info, ShardedCheckpoint ckpt, String name) {
        switch (info.dtype()) {
            case F32:
                return TorchDType.FLOAT32;
            case F16:
                return TorchDType.FLOAT16;
            case BF16:
                return TorchDType.BFLOAT16;
            case F64:
                return TorchDType.FLOAT64;
            default:
                throw new CheckpointMismatchException(ckpt.fileOf(name).path() + ": tensor '" + name + "' is "
                        + info.dtype() + "; model weights must be F32, F16, BF16 or F64");
        }
    }

    private static void checkNames(Path dir, List<String> present, Map<String, long[]> expected,
            ModelConfig config) {
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(present);
        if (!missing.isEmpty()) {
            throw new CheckpointMismatchException(dir + ": checkpoint lacks " + missing.size() + " tensor(s) that "
                    + config.modelType() + "'s config.json requires, e.g. '" + missing.first() + "'");
        }
        TreeSet<String> unexpected = new TreeSet<>();
        for (String name : present) {
            // tolerated as transformers does: a tied lm_head saved anyway, and old rotary caches
            boolean tiedHead = config.tieWordEmbeddings() && name.equals(TensorLayout.LM_HEAD);
            if (!expected.containsKey(name) && !tiedHead && !name.endsWith("rotary_emb.inv_freq")) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new CheckpointMismatchException(dir + ": checkpoint holds " + unexpected.size()
                    + " tensor(s) that a " + config.modelType() + " model with this config.json does not have, e.g. '"
                    + unexpected.first() + "' (wrong num_hidden_layers, attention_bias or model_type?)");
        }
    }

    /**
     * Writes {@code dir} as a HF model folder: config.json and model.safetensors (sharded with an index above
     * {@code maxShardBytes}) in {@code dtype} ("float32", "float16" or "bfloat16"). The folder is built beside
     * {@code dir} and renamed into place, so a crash never leaves a half-written model where a good one was.
     * {@code extraFiles} (tokenizer files of the base model) are copied in by file name.
     */
    public static void save(ModelWeights weights, Path dir, String dtype, long maxShardBytes, List<Path> extraFiles)
            throws IOException {
        TorchDType target = saveDType(dtype);
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, dir.getFileName() + ".tmp-");
        try (NDManager scratch = weights.manager().newSubManager(ai.djl.Device.cpu())) {
            List<TensorEntry> entries = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : weights.tensors().entrySet()) {
                entries.add(TensorEntry.streamed(e.getKey(), safetensorsDType(target),
                        e.getValue().getShape().getShape(), out -> writeTensor(e.getValue(), target, scratch, out)));
            }
            ShardedCheckpointWriter.write(tmp, entries, Map.of("format", "pt"), maxShardBytes);
            AtomicFiles.writeString(tmp.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(weights.config().jsonForSave(dtype)));
            for (Path f : extraFiles) {
                Files.copy(f, tmp.resolve(f.getFileName().toString()));
            }
            replaceFolder(tmp, dir);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    private static void writeTensor(NDArray tensor, TorchDType target, NDManager scratch,
            java.nio.channels.WritableByteChannel out) throws IOException {
        try (NDManager local = scratch.newSubManager()) {
            NDArray cpu = tensor.getDevice().equals(ai.djl.Device.cpu()) ? tensor : tensor.toDevice(ai.djl.Device.cpu(),
                    false);
            if (cpu != tensor) {
                cpu.attach(local);
            }
            NDArray converted = TorchShim.get().cast(cpu, target);
            converted.attach(local);
            NDArray contiguous = converted.duplicate(); // dense row-major copy we can read by pointer
            contiguous.attach(local);
            long bytes = contiguous.size() * target.byteSize();
            ByteBuffer view = new Pointer(TorchShim.get().dataPointer(contiguous)).getByteBuffer(0, bytes);
            ByteChannels.writeFully(out, view);
        }
    }

    private static TorchDType saveDType(String dtype) {
        switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32":
                return TorchDType.FLOAT32;
            case "float16":
                return TorchDType.FLOAT16;
            case "bfloat16":
                return TorchDType.BFLOAT16;
            default:
                throw new IllegalArgumentException("save dtype must be float32, float16 or bfloat16; got " + dtype);
        }
    }

    private static SafetensorsDType safetensorsDType(TorchDType t) {
        return t == TorchDType.FLOAT32 ? SafetensorsDType.F32
                : t == TorchDType.FLOAT16 ? SafetensorsDType.F16 : SafetensorsDType.BF16;
    }

    /** Puts {@code fresh} where {@code dir} is: the old folder is moved aside first and deleted after. */
    private static void replaceFolder(Path fresh, Path dir) throws IOException {
        Path old = null;
        if (Files.exists(dir)) {
            old = dir.resolveSibling(dir.getFileName() + ".old-" + System.nanoTime());
            Files.move(dir, old, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            deleteTree(old);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
