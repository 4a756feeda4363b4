package dev.mft.data.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The {@code chat_template} of a tokenizer_config.json: a string, or (newer HF files) a list of
 * {@code {"name", "template"}} of which the one named "default" is used.
 */
final class TokenizerChatTemplate {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerChatTemplate() {}

    /** The template, or null when the file has none. */
    static String read(Path tokenizerConfigJson) {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerConfigJson.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizerConfigJson, e);
        }
        JsonNode template = root == null ? null : root.get("chat_template");
        if (template == null || template.isNull()) {
            return null;
        }
        if (template.isTextual()) {
            return template.textValue();
        }
        if (template.isArray()) {
            for (JsonNode named : template) {
                if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                    return named.get("template").textValue();
                }
            }
        }
        throw new IllegalArgumentException(tokenizerConfigJson + ": chat_template is " + template.getNodeType()
                + "; expected a string or a list of {\"name\", \"template\"} with one named \"default\"");
    }
}
