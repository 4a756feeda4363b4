package dev.mft.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.RealTokenizers;
import dev.mft.data.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HfTokenizerTest {

    @TempDir
    Path tmp;

    // ids from the added_tokens of each tokenizer.json; sizes from the assets' README (vocab + added)
    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "null", value = {
        "qwen2_5, null,              null,   <|im_end|>,     151645, <|endoftext|>,  151643, 151665",
        "llama3,  <|begin_of_text|>, 128000, <|end_of_text|>, 128001, <|end_of_text|>, 128001, 128256",
        "gpt2,    <|endoftext|>,     50256,  <|endoftext|>,  50256,  <|endoftext|>,  50256,  50257",
    })
    void resolvesSpecialTokensWithPadFallingBackToEos(String name, String bos, Integer bosId, String eos, int eosId,
            String pad, int padId, int vocabSize) {
        HfTokenizer tok = RealTokenizers.get(name);
        SpecialTokens s = tok.specialTokens();
        if (bos == null) {
            assertNull(s.bos());
        } else {
            assertEquals(new SpecialToken(bos, bosId), s.bos());
        }
        assertEquals(new SpecialToken(eos, eosId), s.eos());
        assertEquals(new SpecialToken(pad, padId), s.pad());
        assertEquals(vocabSize, tok.vocabSize());
    }

    @Test
    void readsAddedTokenObjectsAndNullFromTokenizerConfig() throws IOException {
        Path dir = gpt2With("{\"bos_token\": null, \"eos_token\": {\"__type\": \"AddedToken\","
                + " \"content\": \"<|endoftext|>\", \"lstrip\": false}, \"pad_token\": null}");

        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            assertNull(tok.specialTokens().bos());
            assertEquals(new SpecialToken("<|endoftext|>", 50256), tok.specialTokens().eos());
            assertEquals(tok.specialTokens().eos(), tok.specialTokens().pad());
        }
    }

    @Test
    void aSpecialTokenThatIsNotOneIdIsAClearError() throws IOException {
        Path dir = gpt2With("{\"eos_token\": \"<|endoftext|>\", \"pad_token\": \"hello world\"}");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir));

        assertTrue(e.getMessage().contains("pad_token \"hello world\" encodes to 2 ids"), e.getMessage());
        assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
    }

    @Test
    void aMissingEosTokenIsAClearError() throws IOException {
        Path dir = gpt2With("{\"bos_token\": \"<|endoftext|>\"}");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir));

        assertTrue(e.getMessage().contains("eos_token is missing"), e.getMessage());
    }

    @Test
    void aFolderWithoutTokenizerConfigIsAClearError() throws IOException {
        Files.copy(SharedAssets.tokenizer("gpt2").resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(tmp));

        assertTrue(e.getMessage().contains("tokenizer_config.json not found"), e.getMessage());
    }

    @Test
    void spansAreJavaStringIndicesEvenAroundSurrogatePairs() {
        String text = "é😀x"; // UTF-16: é at 0, the emoji at 1..2 (a surrogate pair), x at 3
        HfTokenizer tok = RealTokenizers.get("qwen2_5");
        TokenEncoding e = tok.encode(text);
        List<String> spans = new ArrayList<>();
        for (int i = 0; i < e.length(); i++) {
            String span = "[" + e.starts()[i] + "," + e.ends()[i] + ")";
            if (spans.isEmpty() || !spans.get(spans.size() - 1).equals(span)) {
                spans.add(span); // byte-level tokens of one character share its span
            }
        }
        assertEquals(List.of("[0,1)", "[1,3)", "[3,4)"), spans);
        assertEquals(text, tok.decode(e.ids()));
    }

    @Test
    void neverTruncatesPadsOrAddsSpecialTokens() {
        String text = "word" + " word".repeat(1999);
        int[] expected = new int[2000];
        Arrays.fill(expected, 3492); // "Ġword" in llama3's vocab; DJL's default would stop at 512
        expected[0] = 1178; // "word", and no <|begin_of_text|> before it
        HfTokenizer tok = RealTokenizers.get("llama3");
        assertArrayEquals(expected, tok.encode(text).ids());
        assertArrayEquals(expected, tok.encodeBatch(List.of("word", text)).get(1).ids()); // no padding
        assertEquals(text, tok.decode(expected));
    }

    @Test
    void decodeKeepsSpecialTokenText() {
        HfTokenizer tok = RealTokenizers.get("qwen2_5");
        int[] ids = tok.encode("ok<|im_end|>\n").ids();
        assertArrayEquals(new int[] {562, 151645, 198}, ids);
        assertEquals("ok<|im_end|>\n", tok.decode(ids));
    }

    private Path gpt2With(String tokenizerConfig) throws IOException {
        Files.copy(SharedAssets.tokenizer("gpt2").resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        Files.writeString(tmp.resolve("tokenizer_config.json"), tokenizerConfig);
        return tmp;
    }
}
