package dev.mft.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.core.io.AtomicFiles;
import dev.mft.core.io.AtomicFolders;
import dev.mft.core.safetensors.ShardedCheckpoint;
import dev.mft.core.safetensors.ShardedCheckpointWriter;
import dev.mft.core.safetensors.TensorEntry;
import dev.mft.core.safetensors.TensorInfo;
import dev.mft.core.tensor.TorchDType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
        return load(dir, parent, device, WeightInterceptor.NONE);
    }

    /**
     * Like {@link #load(Path, NDManager, Device)}, but offers each tensor to {@code interceptor} first; the tensors it
     * takes are left out of the returned weights (see {@link WeightInterceptor}).
     */
    public static ModelWeights load(Path dir, NDManager parent, Device device, WeightInterceptor interceptor)
            throws IOException {
        ModelConfig config = ModelConfig.read(dir);
        Map<String, long[]> expected = TensorLayout.expected(config);
        NDManager m = parent.newSubManager(device);
        Map<String, NDArray> tensors = new LinkedHashMap<>();
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
                NDArray f32 = StoredTensors.toFp32(m, ckpt.data(name), info, device, ckpt.fileOf(name).path());
                if (interceptor.take(name, f32)) {
                    f32.close(); // taken over (e.g. quantized): no fp32 copy stays
                } else {
                    tensors.put(name, f32);
                }
            }
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return new ModelWeights(config, m, tensors);
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
        TorchDType target = StoredTensors.saveDType(dtype);
        try (NDManager scratch = weights.manager().newSubManager(Device.cpu())) {
            AtomicFolders.write(dir, tmp -> {
                List<TensorEntry> entries = new ArrayList<>();
                for (Map.Entry<String, NDArray> e : weights.tensors().entrySet()) {
                    entries.add(StoredTensors.entry(e.getKey(), e.getValue(), target, scratch));
                }
                ShardedCheckpointWriter.write(tmp, entries, Map.of("format", "pt"), maxShardBytes);
                AtomicFiles.writeString(tmp.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(weights.config().jsonForSave(dtype)));
                AtomicFolders.copyInto(tmp, extraFiles);
            });
        }
    }
}
