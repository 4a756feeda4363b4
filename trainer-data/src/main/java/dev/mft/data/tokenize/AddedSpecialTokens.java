package dev.mft.data.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes a copy of a model folder's tokenizer files with more special tokens in tokenizer.json's
 * {@code added_tokens} (DJL's tokenizer cannot add tokens at run time). New tokens get the ids after the largest
 * one, as HF's {@code add_tokens(..., special_tokens=True)} gives them.
 */
final class AddedSpecialTokens {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AddedSpecialTokens() {}

    /** A new temporary folder holding tokenizer.json (with {@code tokens} added) and tokenizer_config.json. */
    static Path copyWith(Path modelDir, List<String> tokens, int firstId) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(modelDir.resolve("tokenizer.json").toFile());
            JsonNode existing = root.get("added_tokens");
            ArrayNode added = existing instanceof ArrayNode a ? a : root.putArray("added_tokens");
            int id = firstId;
            for (String token : tokens) {
                ObjectNode entry = added.addObject();
                entry.put("id", id++);
                entry.put("content", token);
                entry.put("single_word", false);
                entry.put("lstrip", false);
                entry.put("rstrip", false);
                entry.put("normalized", false);
                entry.put("special", true);
            }
            Path dir = Files.createTempDirectory("mft-tokenizer-");
            JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
            Files.copy(modelDir.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"),
                    StandardCopyOption.REPLACE_EXISTING);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a copy of " + modelDir.resolve("tokenizer.json")
                    + " with added special tokens", e);
        }
    }

    /** Deletes the folder made by {@link #copyWith}. */
    static void delete(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temp folder is harmless; the tokenizer is already loaded
        }
    }
}
