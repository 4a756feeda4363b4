package dev.mft.cli.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which model to fine-tune and how its forward pass runs.
 *
 * @param pretrainedModelPath local HuggingFace model folder (absolute)
 * @param modelType model family as MFTCoder names it, e.g. {@code "llama"}, {@code "qwen2"}
 * @param attnImplementation attention kernel
 * @param gradientCheckpointing recompute activations in backward to save memory
 */
public record ModelConfig(
        Path pretrainedModelPath, String modelType, AttnImplementation attnImplementation, boolean gradientCheckpointing) {

    /** Attention kernels; SDPA lets torch pick flash / memory-efficient kernels itself. */
    public enum AttnImplementation implements ConfigChoice { SDPA, EAGER }

    public ModelConfig {
        Checks.present("pretrained_model_path", pretrainedModelPath);
        Checks.nonBlank("model_type", modelType);
        Objects.requireNonNull(attnImplementation, "attn_implementation");
    }
}
