package dev.mft.peft.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.core.io.AtomicFiles;
import dev.mft.core.io.AtomicFolders;
import dev.mft.core.model.StoredTensors;
import dev.mft.core.safetensors.SafetensorsFile;
import dev.mft.core.safetensors.SafetensorsWriter;
import dev.mft.core.safetensors.TensorEntry;
import dev.mft.core.safetensors.TensorInfo;
import dev.mft.core.tensor.TorchDType;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.LoraWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA adapter folder in HF PEFT's layout, which PEFT and vLLM load unchanged: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} holding, per adapted module, {@code base_model.model.<module>.lora_A.weight}
 * [r, in] and {@code base_model.model.<module>.lora_B.weight} [out, r] in fp32 (metadata {"format": "pt"}).
 */
public final class AdapterFiles {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";
    private static final Pattern NAME = Pattern.compile("base_model\\.model\\.(.+)\\.lora_([AB])\\.weight");
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterFiles() {}

    /** PEFT's tensor name of a module's lora_A ({@code which} = 'A') or lora_B ('B'). */
    public static String tensorName(String module, char which) {
        return PREFIX + module + ".lora_" + which + ".weight";
    }

    /**
     * Writes the adapter folder atomically (built beside {@code dir}, renamed into place); {@code extraFiles}
     * (tokenizer files) are copied in by name.
     */
    public static void save(Path dir, LoraConfig config, String baseModel, Map<String, LoraWeights> adapters,
            List<Path> extraFiles) throws IOException {
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("no adapters to save to " + dir);
        }
        NDManager anyManager = adapters.values().iterator().next().a().getManager();
        try (NDManager scratch = anyManager.newSubManager(Device.cpu())) {
            List<TensorEntry> entries = new ArrayList<>();
            for (Map.Entry<String, LoraWeights> e : adapters.entrySet()) {
                entries.add(StoredTensors.entry(tensorName(e.getKey(), 'A'), e.getValue().a(), TorchDType.FLOAT32,
                        scratch));
                entries.add(StoredTensors.entry(tensorName(e.getKey(), 'B'), e.getValue().b(), TorchDType.FLOAT32,
                        scratch));
            }
            String json = JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(AdapterConfigJson.toJson(config, baseModel, adapters.keySet()));
            AtomicFolders.write(dir, tmp -> {
                SafetensorsWriter.write(tmp.resolve(WEIGHTS), entries, Map.of("format", "pt"));
                AtomicFiles.writeString(tmp.resolve(CONFIG), json + "\n");
                AtomicFolders.copyInto(tmp, extraFiles);
            });
        }
    }

    /**
     * Reads an adapter folder as fp32 tensors on {@code device}. Refuses tensors that are not LoRA A/B matrices,
     * modules with only one of them, a rank other than the config's {@code r}, and modules that the config's
     * target_modules do not select, each named.
     */
    public static LoadedAdapter load(Path dir, NDManager parent, Device device) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        Path weightsFile = dir.resolve(WEIGHTS);
        for (Path p : List.of(configFile, weightsFile)) {
            if (!Files.isRegularFile(p)) {
                throw new NoSuchFileException(p.toString(), null, "an adapter folder holds " + CONFIG + " and "
                        + WEIGHTS + " (HF PEFT's layout; .bin adapters are not read)");
            }
        }
        AdapterConfigJson.Parsed parsed = AdapterConfigJson.parse(JSON.readTree(configFile.toFile()), configFile);
        LoraConfig config = parsed.config();
        NDManager m = parent.newSubManager(device);
        try (SafetensorsFile file = SafetensorsFile.open(weightsFile)) {
            Map<String, NDArray[]> pairs = new TreeMap<>();
            for (String name : file.names()) {
                Matcher match = NAME.matcher(name);
                if (!match.matches()) {
                    throw new AdapterFormatException(weightsFile + ": tensor '" + name + "' is not a LoRA matrix"
                            + " (expected " + tensorName("<module>", 'A') + " or ...lora_B.weight)");
                }
                String module = match.group(1);
                if (!config.targets().matches(module)) {
                    throw new AdapterFormatException(weightsFile + ": tensor '" + name + "' adapts " + module
                            + ", which target_modules " + config.targets() + " in " + CONFIG + " does not select");
                }
                TensorInfo info = file.info(name);
                int index = match.group(2).equals("A") ? 0 : 1;
                long rank = info.shape().length == 2 ? info.shape()[index == 0 ? 0 : 1] : -1;
                if (rank != config.rank()) {
                    throw new AdapterFormatException(weightsFile + ": tensor '" + name + "' has shape "
                            + java.util.Arrays.toString(info.shape()) + ", which is not rank r=" + config.rank()
                            + " of " + CONFIG + " (lora_A is [r, in], lora_B is [out, r])");
                }
                pairs.computeIfAbsent(module, k -> new NDArray[2])[index] =
                        StoredTensors.toFp32(m, file.data(name), info, device, weightsFile);
            }
            Map<String, LoraWeights> weights = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray[]> e : pairs.entrySet()) {
                NDArray[] ab = e.getValue();
                if (ab[0] == null || ab[1] == null) {
                    throw new AdapterFormatException(weightsFile + ": module " + e.getKey() + " has only "
                            + (ab[0] == null ? "lora_B" : "lora_A") + "; LoRA needs both");
                }
                weights.put(e.getKey(), new LoraWeights(ab[0], ab[1]));
            }
            return new LoadedAdapter(dir, config, parsed.baseModel(), weights, m);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }
}
