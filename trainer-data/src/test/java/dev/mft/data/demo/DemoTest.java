package dev.mft.data.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Turn;
import dev.mft.data.read.ChatRoundsReader;
import dev.mft.data.template.MftcoderTemplate;
import dev.mft.data.template.RoleMarkers;
import dev.mft.data.tokenize.ExampleEncoder;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.SpecialToken;
import dev.mft.data.tokenize.TokenizedExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {

    @TempDir
    Path tmp;

    @Test
    void demoDataIsDeterministicReadableAndArithmeticallyCorrect() throws IOException {
        DemoData.writeChatRounds(tmp.resolve("a/demo.jsonl"));
        DemoData.writeChatRounds(tmp.resolve("b/demo.jsonl"));

        assertArrayEquals(Files.readAllBytes(tmp.resolve("a/demo.jsonl")), Files.readAllBytes(tmp.resolve("b/demo.jsonl")));
        List<Conversation> read = ChatRoundsReader.readFile(tmp.resolve("a/demo.jsonl"));
        assertEquals(DemoData.SIZE, read.size());
        assertTrue(read.stream().anyMatch(c -> c.system() != null));
        assertTrue(read.stream().anyMatch(c -> c.replyCount() > 1));
        Pattern sum = Pattern.compile("(\\d+) ([+-]) (\\d+) = (-?\\d+)");
        int checked = 0;
        for (Conversation c : read) {
            for (Turn t : c.turns()) {
                Matcher m = sum.matcher(t.content());
                if (m.matches()) {
                    int a = Integer.parseInt(m.group(1));
                    int b = Integer.parseInt(m.group(3));
                    assertEquals(m.group(2).equals("+") ? a + b : a - b, Integer.parseInt(m.group(4)), t.content());
                    checked++;
                }
            }
        }
        assertTrue(checked >= DemoData.SIZE / 2, "arithmetic replies checked: " + checked);
    }

    @Test
    void demoTokenizerLoadsInDjlAndRoundTripsTheDemoTextExactly() throws IOException {
        DemoTokenizer.write(tmp);
        Path data = tmp.resolve("demo.jsonl");
        DemoData.writeChatRounds(data);

        try (HfTokenizer tok = HfTokenizer.load(tmp)) {
            assertEquals(new SpecialToken("<s>", 1), tok.specialTokens().bos());
            assertEquals(new SpecialToken("</s>", 2), tok.specialTokens().eos());
            assertEquals(tok.specialTokens().eos(), tok.specialTokens().pad());
            assertTrue(tok.vocabSize() > 259 && tok.vocabSize() <= 3 + 256 + DemoTokenizer.MERGES, "" + tok.vocabSize());
            assertEquals(1, tok.encode("<s>").length());
            assertEquals(1, tok.encode("<s>human\n").ids()[0]); // the marker starts with the one <s> token

            MftcoderTemplate template = new MftcoderTemplate(RoleMarkers.MFTCODER, "</s>");
            int chars = 0;
            int tokens = 0;
            for (Conversation c : ChatRoundsReader.readFile(data)) {
                String text = template.render(c).text();
                int[] ids = tok.encode(text).ids();
                assertEquals(text, tok.decode(ids));
                chars += text.length();
                tokens += ids.length;
            }
            assertTrue(tokens * 2 < chars, "learned merges shorten the demo text: " + tokens + " tokens, " + chars + " chars");
            String raw = Files.readString(data) + "é😀中文\t\r\u0000 ~";
            assertEquals(raw, tok.decode(tok.encode(raw).ids()));
        }
    }

    @Test
    void demoExamplesTrainOnlyTheReplies() {
        DemoTokenizer.write(tmp);
        try (HfTokenizer tok = HfTokenizer.load(tmp)) {
            ExampleEncoder encoder = new ExampleEncoder(tok, new MftcoderTemplate(RoleMarkers.MFTCODER, "</s>"), 128);
            Conversation first = DemoData.conversations().get(0); // "What is 3 + 8?" -> "3 + 8 = 11"

            TokenizedExample ex = encoder.encode(first, 0).orElseThrow();

            int[] trained = Arrays.stream(ex.labels()).filter(l -> l != TokenizedExample.IGNORE_INDEX).toArray();
            assertEquals("3 + 8 = 11\n</s>", tok.decode(trained));
            assertEquals(DemoData.SIZE, encoder.encodeAll(DemoData.conversations(), 0).examples().size());
        }
    }

    @Test
    void byteAlphabetMatchesGpt2sPublishedTable() {
        assertEquals('Ġ', ByteLevelAlphabet.charOf(' '));
        assertEquals('Ċ', ByteLevelAlphabet.charOf('\n'));
        assertEquals('Ā', ByteLevelAlphabet.charOf(0));
        assertEquals('A', ByteLevelAlphabet.charOf('A'));
        assertEquals('Ń', ByteLevelAlphabet.charOf(0xAD)); // soft hyphen, the last non-printable byte
        assertEquals(256, ByteLevelAlphabet.encode(allBytes()).chars().distinct().count());
    }

    private static byte[] allBytes() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < 256; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }
}
