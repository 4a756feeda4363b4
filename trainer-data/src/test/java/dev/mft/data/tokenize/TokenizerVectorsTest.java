package dev.mft.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mft.data.RealTokenizers;
import dev.mft.data.SharedAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * llama.cpp's tokenizer test vectors: each .inp case is followed by a line {@code __ggml_vocab_test__}
 * (the case is everything between one separator and the next, leading/trailing newlines included),
 * and line k of .out holds the ids HuggingFace produced for case k without special tokens, each
 * written as " id".
 */
class TokenizerVectorsTest {

    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource({"qwen2, qwen2_5", "llama-bpe, llama3", "gpt-2, gpt2"})
    void realTokenizersReproduceTheReferenceIds(String vectors, String tokenizer) throws IOException {
        Path dir = SharedAssets.dir().resolve("tokenizer-vectors");
        String inp = Files.readString(dir.resolve("ggml-vocab-" + vectors + ".gguf.inp"), StandardCharsets.UTF_8);
        List<String> cases = new ArrayList<>(Arrays.asList(inp.split(SEPARATOR, -1)));
        assertEquals("", cases.remove(cases.size() - 1), "the file ends with a separator");
        List<String> out = Files.readAllLines(dir.resolve("ggml-vocab-" + vectors + ".gguf.out"));
        assertEquals(out.size(), cases.size(), "one line of ids per case");

        HfTokenizer tok = RealTokenizers.get(tokenizer);
        List<TokenEncoding> batch = tok.encodeBatch(cases);
        for (int i = 0; i < cases.size(); i++) {
            int[] expected = out.get(i).isBlank() ? new int[0]
                    : Arrays.stream(out.get(i).trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            String label = "case " + i + " " + cases.get(i).replace("\n", "\\n");
            assertArrayEquals(expected, tok.encode(cases.get(i)).ids(), label);
            assertArrayEquals(expected, batch.get(i).ids(), "batch " + label);
        }
    }
}
