package dev.mft.data.template;

import java.util.Objects;

/**
 * What templates take from the tokenizer.
 *
 * @param bos the BOS text, or null when the model has none (Qwen2.5)
 * @param eos the EOS text
 * @param chatTemplate the model's Jinja chat_template from tokenizer_config.json, or null when it has none
 */
public record TemplateTokens(String bos, String eos, String chatTemplate) {

    public TemplateTokens {
        Objects.requireNonNull(eos, "eos");
    }
}
