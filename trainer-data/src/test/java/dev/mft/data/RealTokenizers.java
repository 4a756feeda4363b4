package dev.mft.data;

import dev.mft.data.tokenize.HfTokenizer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Real tokenizers from ../shared/assets, loaded once per test JVM (llama3's file is 9 MB). */
public final class RealTokenizers {

    private static final Map<String, HfTokenizer> LOADED = new ConcurrentHashMap<>();

    private RealTokenizers() {}

    /** Shared instance: do not close it. */
    public static HfTokenizer get(String name) {
        return LOADED.computeIfAbsent(name, n -> HfTokenizer.load(SharedAssets.tokenizer(n)));
    }

    /** Shared instance with {@code specialTokens} added where missing: do not close it. */
    public static HfTokenizer withTokens(String name, List<String> specialTokens) {
        return LOADED.computeIfAbsent(name + "+" + specialTokens,
                n -> HfTokenizer.load(SharedAssets.tokenizer(name), specialTokens));
    }
}
