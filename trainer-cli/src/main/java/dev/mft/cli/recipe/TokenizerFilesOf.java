package dev.mft.cli.recipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The tokenizer files of a model folder that a saved model carries along. */
public final class TokenizerFilesOf {
    static final List<String> NAMES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json", "vocab.json", "merges.txt", "tokenizer.model");

    private TokenizerFilesOf() {}

    /** Those of {@link #NAMES} present in {@code dir}; tokenizer.json is required. */
    public static List<Path> model(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new java.nio.file.NoSuchFileException(dir.resolve("tokenizer.json").toString(), null,
                    "mft needs a HF tokenizer.json in the model (or --tokenizer) folder");
        }
        List<Path> out = new ArrayList<>();
        for (String n : NAMES) {
            if (Files.isRegularFile(dir.resolve(n))) {
                out.add(dir.resolve(n));
            }
        }
        return out;
    }
}
