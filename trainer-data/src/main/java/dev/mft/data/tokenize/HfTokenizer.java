package dev.mft.data.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import dev.mft.data.io.ContentHash;
import dev.mft.data.template.TemplateTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model folder's HuggingFace tokenizer (tokenizer.json + tokenizer_config.json) through DJL.
 *
 * <p>Built with truncation, padding and added special tokens all OFF: DJL's defaults truncate to
 * 512 tokens and pad, which would silently corrupt training examples; templates write every
 * special token themselves. Thread-safe for encoding and decoding.
 */
public final class HfTokenizer implements TextTokenizer, AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final SpecialTokens specialTokens;
    private final int vocabSize;
    private final String chatTemplate;
    private final List<String> addedTokens;
    private final String fingerprint;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, SpecialTokenTexts texts, Path dir, int vocabSize,
            List<String> addedTokens) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.addedTokens = List.copyOf(addedTokens);
        Path config = dir.resolve("tokenizer_config.json");
        if (texts.eos() == null) {
            throw new IllegalArgumentException(config + ": eos_token is missing or null; expected the"
                    + " end-of-sequence token text, e.g. \"eos_token\": \"</s>\"");
        }
        SpecialToken eos = resolve(texts.eos(), "eos_token", config);
        SpecialToken bos = texts.bos() == null ? null : resolve(texts.bos(), "bos_token", config);
        SpecialToken pad = texts.pad() == null ? eos : resolve(texts.pad(), "pad_token", config);
        this.specialTokens = new SpecialTokens(bos, eos, pad);
        this.chatTemplate = TokenizerChatTemplate.read(config);
        this.fingerprint = new ContentHash().addFile(dir.resolve("tokenizer.json")).addFile(config).hex();
    }

    /** Loads {@code modelDir/tokenizer.json} and the special tokens of {@code modelDir/tokenizer_config.json}. */
    public static HfTokenizer load(Path modelDir) {
        return loadFolder(modelDir, List.of());
    }

    /**
     * Loads the tokenizer with {@code required} special tokens present: those that do not already encode to one id
     * are added after the largest id (e.g. Yuan2's {@code <sep>}, {@code <eod>} for the yuan2 template). The model's
     * vocab_size must then cover them.
     */
    public static HfTokenizer load(Path modelDir, List<String> required) {
        HfTokenizer plain = loadFolder(modelDir, List.of());
        List<String> missing = required.stream().filter(t -> plain.encode(t).length() != 1).toList();
        if (missing.isEmpty()) {
            return plain;
        }
        int firstId = plain.vocabSize();
        plain.close();
        Path copy = AddedSpecialTokens.copyWith(modelDir, missing, firstId);
        try {
            return loadFolder(copy, missing);
        } finally {
            AddedSpecialTokens.delete(copy);
        }
    }

    private static HfTokenizer loadFolder(Path modelDir, List<String> added) {
        Path json = modelDir.resolve("tokenizer.json");
        Path config = modelDir.resolve("tokenizer_config.json");
        for (Path required : List.of(json, config)) {
            if (!Files.isRegularFile(required)) {
                throw new IllegalArgumentException(required + " not found; expected a HuggingFace model"
                        + " folder with tokenizer.json and tokenizer_config.json");
            }
        }
        keepDjlOffline();
        SpecialTokenTexts texts = SpecialTokenTexts.read(config);
        int vocabSize = TokenizerJsonVocab.vocabSize(json);
        HuggingFaceTokenizer djl;
        try {
            djl = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(modelDir)
                    .optTruncation(false)
                    .optPadding(false)
                    .optAddSpecialTokens(false)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + json, e);
        }
        try {
            return new HfTokenizer(djl, texts, modelDir, vocabSize, added);
        } catch (RuntimeException e) {
            djl.close();
            throw e;
        }
    }

    // On a GPU host without offline mode DJL tries to download a CUDA build of libtokenizers;
    // the bundled CPU library is all we need. A user's explicit setting wins.
    private static void keepDjlOffline() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private SpecialToken resolve(String text, String key, Path config) {
        int[] ids = encode(text).ids();
        if (ids.length != 1) {
            throw new IllegalArgumentException(config + ": " + key + " \"" + text + "\" encodes to "
                    + ids.length + " ids " + Arrays.toString(ids) + "; expected exactly one (an added"
                    + " special token in tokenizer.json)");
        }
        return new SpecialToken(text, ids[0]);
    }

    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    /** SHA-256 of tokenizer.json (with any added tokens) and tokenizer_config.json: keys the dataset cache. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The special tokens {@link #load(Path, List)} had to add (empty when the tokenizer had them all). */
    public List<String> addedTokens() {
        return addedTokens;
    }

    /** What chat templates need: BOS and EOS texts and the model's own Jinja chat_template (or null). */
    public TemplateTokens templateTokens() {
        return new TemplateTokens(specialTokens.bos() == null ? null : specialTokens.bos().text(),
                specialTokens.eos().text(), chatTemplate);
    }

    /**
     * One more than the largest id tokenizer.json knows (model vocab and added tokens). A model's
     * config.json vocab_size may be larger (embeddings padded to a multiple), never smaller.
     */
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public TokenEncoding encode(String text) {
        return encodeBatch(List.of(text)).get(0);
    }

    /**
     * Encodes in parallel inside the native library. Only ids and character spans are fetched from each native
     * encoding: DJL's {@code batchEncode} also copies tokens (one Java String per token), type, word and sequence
     * ids and masks, which training never reads, and that copying costs about as much as the template, masks and
     * batches together (docs/benchmarks.md).
     */
    @Override
    public List<TokenEncoding> encodeBatch(List<String> texts) {
        long[] handles = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), texts.toArray(new String[0]), false);
        List<TokenEncoding> out = new ArrayList<>(handles.length);
        try {
            for (int i = 0; i < handles.length; i++) {
                out.add(toTokenEncoding(texts.get(i), TokenizersLibrary.LIB.getTokenIds(handles[i]),
                        TokenizersLibrary.LIB.getTokenCharSpans(handles[i])));
            }
        } finally {
            for (long h : handles) {
                TokenizersLibrary.LIB.deleteEncoding(h);
            }
        }
        return out;
    }

    /** Decodes ids to text, keeping special tokens (an EOS in a reply shows as its text). */
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, false);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static TokenEncoding toTokenEncoding(String text, long[] longIds, CharSpan[] spans) {
        int n = longIds.length;
        int[] ids = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] utf16 = codePointToUtf16(text);
        int previousEnd = 0;
        for (int i = 0; i < n; i++) {
            ids[i] = Math.toIntExact(longIds[i]);
            if (spans[i] == null) { // a token with no source text: give it an empty span where it sits
                starts[i] = previousEnd;
                ends[i] = previousEnd;
            } else {
                starts[i] = utf16 == null ? spans[i].getStart() : utf16[spans[i].getStart()];
                ends[i] = utf16 == null ? spans[i].getEnd() : utf16[spans[i].getEnd()];
            }
            previousEnd = ends[i];
        }
        return new TokenEncoding(ids, starts, ends);
    }

    /**
     * The native library reports spans in code points; Java strings index UTF-16 units. Returns the
     * UTF-16 index of every code point index (0..count inclusive), or null when they coincide.
     */
    private static int[] codePointToUtf16(String text) {
        int count = text.codePointCount(0, text.length());
        if (count == text.length()) {
            return null;
        }
        int[] map = new int[count + 1];
        int utf16 = 0;
        for (int cp = 0; cp < count; cp++) {
            map[cp] = utf16;
            utf16 += Character.charCount(text.codePointAt(utf16));
        }
        map[count] = utf16;
        return map;
    }
}
