package dev.mft.data.tokenize;

import java.util.Objects;

/**
 * The tokenizer's BOS, EOS and padding tokens.
 *
 * @param bos null when the model has none (Qwen2.5)
 * @param eos ends every trained reply
 * @param pad fills batches; EOS when tokenizer_config.json names none, as MFTCoder does
 */
public record SpecialTokens(SpecialToken bos, SpecialToken eos, SpecialToken pad) {

    public SpecialTokens {
        Objects.requireNonNull(eos, "eos");
        Objects.requireNonNull(pad, "pad");
    }
}
