package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.safetensors.ShardedCheckpointWriter;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.peft.io.AdapterCompatibility;
import dev.mft.peft.io.AdapterFiles;
import dev.mft.peft.io.LoadedAdapter;
import dev.mft.peft.merge.LoraMerge;
import dev.mft.peft.quant.Nf4Codec;
import dev.mft.peft.quant.Nf4Weights;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds a PEFT adapter into its base model and writes a HF model folder (config.json, safetensors in the base's
 * dtype, tokenizer files), computed in fp32 on the CPU.
 */
public final class MergeAdapter {
    private MergeAdapter() {}

    /** Which base weights the adapter is added to. */
    public enum Into {
        /** The base as stored (MFTCoder's choice; default). */
        ORIGINAL,
        /** The base as QLoRA training saw it: every projection quantized to NF4 and back. */
        NF4
    }

    public static void run(Path baseDir, Path adapterDir, Path outputDir, Into into, PrintStream out)
            throws IOException {
        ModelSetup.requireModelFolder(baseDir);
        TorchRuntime.start();
        Device cpu = Device.cpu();
        ModelConfig config = ModelConfig.read(baseDir);
        try (NDManager root = NDManager.newBaseManager(cpu);
                LoadedAdapter adapter = AdapterFiles.load(adapterDir, root, cpu)) {
            AdapterCompatibility.check(adapter, config); // refuse before reading gigabytes of weights
            ModelWeights base = ModelCheckpoints.load(baseDir, root, cpu);
            Map<String, NDArray> source = into == Into.NF4 ? nf4RoundTrip(base.tensors(), root) : base.tensors();
            Map<String, NDArray> merged = LoraMerge.merge(source, adapter.weights(), adapter.config().scaling(), root);
            ModelWeights result = new ModelWeights(base.config(), base.manager(), new LinkedHashMap<>(merged));
            ModelCheckpoints.save(result, outputDir, ModelSetup.saveDType(base),
                    ShardedCheckpointWriter.DEFAULT_MAX_SHARD_BYTES, tokenizerFiles(baseDir, adapterDir));
            out.printf("merged %d adapters (r=%d, scaling %.4g) into %s weights of %s; wrote %s (%s)%n",
                    adapter.weights().size(), adapter.config().rank(), adapter.config().scaling(),
                    into == Into.NF4 ? "NF4-dequantized" : "the original", baseDir, outputDir,
                    ModelSetup.saveDType(base));
        }
    }

    private static Map<String, NDArray> nf4RoundTrip(Map<String, NDArray> weights, NDManager root) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (Nf4Codec codec = new Nf4Codec(root, Device.cpu())) {
            for (Map.Entry<String, NDArray> e : weights.entrySet()) {
                out.put(e.getKey(), Nf4Weights.quantizes(e.getKey()) ? codec.roundTrip(e.getValue(), root)
                        : e.getValue());
            }
        }
        return out;
    }

    /** The base model's tokenizer files, or the adapter folder's when the base has none. */
    private static List<Path> tokenizerFiles(Path baseDir, Path adapterDir) throws IOException {
        return TokenizerFilesOf.model(Files.isRegularFile(baseDir.resolve("tokenizer.json")) ? baseDir : adapterDir);
    }
}
