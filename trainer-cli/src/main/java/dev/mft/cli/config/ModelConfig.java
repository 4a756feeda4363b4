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
 * @param lossChunkTokens tokens per chunk of the lm_head + loss: N, 0 = auto, -1 = the whole micro-batch at once
 */
public record ModelConfig(
        Path pretrainedModelPath, String modelType, AttnImplementation attnImplementation, boolean gradientCheckpointing,
        int lossChunkTokens) {

    /** Attention kernels; SDPA lets torch pick flash / memory-efficient kernels itself. */
    public enum AttnImplementation implements ConfigChoice { SDPA, EAGER }

    public ModelConfig {
        Checks.present("pretrained_model_path", pretrainedModelPath);
        Checks.nonBlank("model_type", modelType);
        Objects.requireNonNull(attnImplementation, "attn_implementation");
        Checks.check(lossChunkTokens >= -1, "loss_chunk_tokens", lossChunkTokens,
                "-1 (never chunk), 0 (auto) or a positive token count");
    }
}
