package dev.mft.peft.io;

import ai.djl.ndarray.NDManager;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.LoraWeights;
import java.nio.file.Path;
import java.util.Map;

/**
 * An adapter read from a PEFT folder: its config and fp32 matrices by module name, owned by {@code manager}.
 *
 * @param baseModel base_model_name_or_path as saved (may be null)
 */
public record LoadedAdapter(Path dir, LoraConfig config, String baseModel, Map<String, LoraWeights> weights,
        NDManager manager) implements AutoCloseable {
    @Override
    public void close() {
        manager.close();
    }
}
