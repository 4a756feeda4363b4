package dev.mft.data.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.io.AtomicFiles;
import dev.mft.data.template.MftcoderTemplate;
import dev.mft.data.template.RoleMarkers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a small HuggingFace byte-level BPE tokenizer for the demo data: tokenizer.json and
 * tokenizer_config.json, loadable by DJL and by HF {@code PreTrainedTokenizerFast}.
 *
 * <p>Ids: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>} (added special tokens, so the MFTCoder
 * markers' {@code <s>} is one token), 3..258 the 256 bytes (id = 3 + byte), then up to
 * {@value #MERGES} merges learned from the rendered demo conversations. bos {@code <s>}, eos and
 * pad {@code </s>}. Any text round-trips exactly: every byte has a token.
 */
public final class DemoTokenizer {

    public static final String UNK = "<unk>";
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";
    /** Merges learned at most; the vocabulary then holds at most 3 + 256 + MERGES = 512 tokens. */
    public static final int MERGES = 253;

    private static final List<String> SPECIALS = List.of(UNK, BOS, EOS);
    private static final int FIRST_BYTE_ID = SPECIALS.size();
    // GPT-2's pre-tokenizer regex, which HF's ByteLevel(use_regex=true) applies: merges are learned
    // on the same words the tokenizer will see
    private static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SPECIAL_SPLIT = Pattern.compile(
            SPECIALS.stream().map(Pattern::quote).reduce((a, b) -> a + "|" + b).orElseThrow());
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private DemoTokenizer() {}

    /** Writes {@code dir/tokenizer.json} and {@code dir/tokenizer_config.json} (atomically). */
    public static void write(Path dir) {
        List<BpeTrainer.Merge> merges = BpeTrainer.train(wordCounts(), MERGES);
        AtomicFiles.writeString(dir.resolve("tokenizer.json"), toJson(tokenizerJson(merges)));
        AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), toJson(tokenizerConfigJson()));
    }

    /** Byte-level words of the rendered demo conversations, with counts. */
    private static Map<String, Integer> wordCounts() {
        MftcoderTemplate template = new MftcoderTemplate(RoleMarkers.MFTCODER, EOS);
        Map<String, Integer> counts = new TreeMap<>();
        for (Conversation c : DemoData.conversations()) {
            // special tokens are cut out before pre-tokenization, as HF's added-vocabulary does
            for (String piece : SPECIAL_SPLIT.split(template.render(c).text())) {
                Matcher m = GPT2_SPLIT.matcher(piece);
                while (m.find()) {
                    counts.merge(ByteLevelAlphabet.encode(m.group().getBytes(StandardCharsets.UTF_8)), 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    private static ObjectNode tokenizerJson(List<BpeTrainer.Merge> merges) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : SPECIALS) {
            vocab.put(special, vocab.size());
        }
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), FIRST_BYTE_ID + b);
        }
        List<String> mergeLines = new ArrayList<>();
        for (BpeTrainer.Merge m : merges) {
            vocab.putIfAbsent(m.merged(), vocab.size()); // two merges may spell the same token
            mergeLines.add(m.left() + " " + m.right());
        }

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : SPECIALS) {
            added.addObject()
                    .put("id", vocab.get(special))
                    .put("content", special)
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel());
        root.putNull("post_processor"); // nothing added around a sequence; no offset trimming either
        root.set("decoder", byteLevel());
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token"); // byte-level: every input has tokens, nothing is unknown
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", JSON.valueToTree(vocab));
        model.set("merges", JSON.valueToTree(mergeLines));
        return root;
    }

    private static ObjectNode byteLevel() {
        return JSON.createObjectNode()
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", false)
                .put("use_regex", true);
    }

    private static ObjectNode tokenizerConfigJson() {
        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("bos_token", BOS);
        config.put("eos_token", EOS);
        config.put("pad_token", EOS);
        config.put("unk_token", UNK);
        config.put("add_bos_token", false);
        config.put("add_eos_token", false);
        config.put("clean_up_tokenization_spaces", false);
        config.put("model_max_length", 4096);
        return config;
    }

    private static String toJson(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize demo tokenizer", e);
        }
    }
}
