package dev.mft.data.template;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The config key {@code chat_template}: a built-in template, or {@code tokenizer} for the model's own Jinja one. */
public enum TemplateName {
    MFTCODER("mftcoder"),
    VICUNA_V1_1("vicuna_v1.1"),
    YUAN2("yuan2"),
    CHATML("chatml"),
    QWEN("qwen"),
    LLAMA3("llama3"),
    LLAMA3_1("llama3.1"),
    MISTRAL("mistral"),
    TOKENIZER("tokenizer");

    private final String configName;

    TemplateName(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** Every name the config accepts, in declaration order. */
    public static List<String> configNames() {
        return Arrays.stream(values()).map(TemplateName::configName).toList();
    }

    /** The template called {@code name}. */
    public static TemplateName of(String name) {
        Objects.requireNonNull(name, "chat_template");
        for (TemplateName t : values()) {
            if (t.configName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("chat_template \"" + name + "\" is unknown; expected one of "
                + String.join(", ", configNames()));
    }

    /** Special tokens the template needs in the tokenizer (added to a copy of tokenizer.json when missing). */
    public List<String> requiredSpecialTokens() {
        return this == YUAN2 ? Yuan2Template.SPECIAL_TOKENS : List.of();
    }

    /**
     * The template, built for a tokenizer.
     *
     * @param markers role markers (mftcoder only; {@link RoleMarkers#MFTCODER} otherwise)
     */
    public ChatTemplate create(TemplateTokens tokens, RoleMarkers markers) {
        return switch (this) {
            case MFTCODER -> new MftcoderTemplate(markers, tokens.eos());
            case VICUNA_V1_1 -> new VicunaTemplate(tokens.eos());
            case YUAN2 -> new Yuan2Template();
            case CHATML -> ChatmlTemplate.chatml();
            case QWEN -> ChatmlTemplate.qwen();
            case LLAMA3 -> new Llama3Template(requireBos(tokens), false);
            case LLAMA3_1 -> new Llama3Template(requireBos(tokens), true);
            case MISTRAL -> new MistralTemplate(requireBos(tokens), tokens.eos());
            case TOKENIZER -> {
                if (tokens.chatTemplate() == null) {
                    throw new IllegalArgumentException("chat_template \"tokenizer\": the model's tokenizer_config.json"
                            + " has no chat_template; choose a built-in one (" + String.join(", ", configNames())
                            + ")");
                }
                yield new JinjaChatTemplate(tokens.chatTemplate(), tokens.bos(), tokens.eos());
            }
        };
    }

    private String requireBos(TemplateTokens tokens) {
        if (tokens.bos() == null) {
            throw new IllegalArgumentException("chat_template \"" + configName + "\" starts with the BOS token, but"
                    + " the tokenizer has no bos_token; is this the right model for this template?");
        }
        return tokens.bos();
    }
}
