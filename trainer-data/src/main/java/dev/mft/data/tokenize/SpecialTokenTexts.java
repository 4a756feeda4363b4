package dev.mft.data.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The bos_token, eos_token and pad_token texts of a tokenizer_config.json; each null when absent.
 *
 * <p>Each key may hold a string, an AddedToken object {@code {"content": "..."}}, or null.
 */
public record SpecialTokenTexts(String bos, String eos, String pad) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code tokenizer_config.json}. */
    public static SpecialTokenTexts read(Path tokenizerConfigJson) {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerConfigJson.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizerConfigJson
                    + "; expected the model's HuggingFace tokenizer_config.json", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(tokenizerConfigJson + " is not a JSON object");
        }
        return new SpecialTokenTexts(
                tokenText(root, "bos_token", tokenizerConfigJson),
                tokenText(root, "eos_token", tokenizerConfigJson),
                tokenText(root, "pad_token", tokenizerConfigJson));
    }

    private static String tokenText(JsonNode root, String key, Path file) {
        JsonNode value = root.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isObject() && value.path("content").isTextual()) {
            return value.get("content").textValue();
        }
        throw new IllegalArgumentException(file + ": " + key + " is " + value
                + "; expected a string, an object {\"content\": \"...\"} or null");
    }

}
