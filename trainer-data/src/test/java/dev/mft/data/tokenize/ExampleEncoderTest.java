package dev.mft.data.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.RealTokenizers;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Turn;
import dev.mft.data.read.ChatRoundsReader;
import dev.mft.data.template.MftcoderTemplate;
import dev.mft.data.template.LossMode;
import dev.mft.data.template.RoleMarkers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExampleEncoderTest {

    private static final String SYSTEM = "You are a helpful coding assistant.";
    private static final String Q1 = "Write hello world in Python.";
    private static final String A1 = "print(\"Hello, world!\")";
    private static final String Q2 = "And in Java, with 世界 and an emoji?";
    private static final String A2 = "System.out.println(\"Hello, 世界 😀\");";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"qwen2_5, <|im_end|>", "llama3, <|end_of_text|>"})
    void idsAreTheWholeRenderedStringAndOnlyRepliesWithEosAreTrained(String name, String eos) throws IOException {
        HfTokenizer tok = RealTokenizers.get(name);
        Path file = tmp.resolve("chat.jsonl");
        Files.writeString(file, "{\"id\": 7, \"chat_rounds\": ["
                + "{\"role\": \"system\", \"content\": " + json(SYSTEM) + "},"
                + "{\"role\": \"human\", \"content\": " + json(Q1) + "}, {\"role\": \"bot\", \"content\": " + json(A1) + "},"
                + "{\"role\": \"human\", \"content\": " + json(Q2) + "}, {\"role\": \"bot\", \"content\": " + json(A2) + "}]}\n");
        Conversation conversation = ChatRoundsReader.readFile(file).get(0);
        // MFTCoder's format written out by hand (REFERENCES.md table)
        String rendered = "<s>system\n" + SYSTEM + "\n"
                + "<s>human\n" + Q1 + "\n<s>bot\n" + A1 + "\n" + eos + "\n"
                + "<s>human\n" + Q2 + "\n<s>bot\n" + A2 + "\n" + eos + "\n";

        TokenizedExample ex = new ExampleEncoder(tok, new MftcoderTemplate(RoleMarkers.MFTCODER, eos), 4096)
                .encode(conversation, 3).orElseThrow();

        TokenEncoding whole = tok.encode(rendered);
        assertArrayEquals(whole.ids(), ex.inputIds());
        assertEquals(3, ex.taskId());
        assertEquals(A1 + "\n" + eos + A2 + "\n" + eos, tok.decode(trainedIds(ex)));
        // every token lying wholly outside the two replies (+ "\n" + eos) is ignored
        int reply1 = rendered.indexOf(A1 + "\n" + eos);
        int reply2 = rendered.indexOf(A2 + "\n" + eos);
        int end1 = reply1 + (A1 + "\n" + eos).length();
        int end2 = reply2 + (A2 + "\n" + eos).length();
        for (int i = 0; i < ex.length(); i++) {
            int s = whole.starts()[i];
            int e = whole.ends()[i];
            boolean inReply = (s >= reply1 && e <= end1) || (s >= reply2 && e <= end2);
            assertEquals(inReply ? ex.inputIds()[i] : TokenizedExample.IGNORE_INDEX, ex.labels()[i], "token " + i);
        }
    }

    @Test
    void aReplyStartingWithANewlineTrainsTheTokenThatStraddlesTheMarker() {
        HfTokenizer tok = RealTokenizers.get("qwen2_5");
        String eos = "<|im_end|>";
        String reply = "\nx = 1";
        Conversation c = new Conversation("t", null, List.of(Turn.user("code?"), Turn.assistant(reply)));
        String rendered = "<s>human\ncode?\n<s>bot\n" + reply + "\n" + eos + "\n";
        int boundary = rendered.indexOf(reply);

        TokenizedExample ex = new ExampleEncoder(tok, new MftcoderTemplate(RoleMarkers.MFTCODER, eos), 4096)
                .encode(c, 0).orElseThrow();

        TokenEncoding whole = tok.encode(rendered);
        int straddler = -1;
        for (int i = 0; i < whole.length(); i++) {
            if (whole.starts()[i] < boundary && whole.ends()[i] > boundary) {
                straddler = i;
            }
        }
        assertTrue(straddler >= 0, "Qwen merges the marker's \\n with the reply's \\n into one token");
        assertEquals(ex.inputIds()[straddler], ex.labels()[straddler]);
        assertEquals("\n" + reply + "\n" + eos, tok.decode(trainedIds(ex)));
    }

    @Test
    void examplesLongerThanSeqLengthAreDroppedAndCounted() {
        TextTokenizer perChar = text -> {
            int n = text.length();
            int[] ids = new int[n];
            int[] starts = new int[n];
            int[] ends = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = text.charAt(i);
                starts[i] = i;
                ends[i] = i + 1;
            }
            return new TokenEncoding(ids, starts, ends);
        };
        // "<s>human\n" 9 + "hi\n" 3 + "<s>bot\n" 7 + "yo\n</s>" 7 + "\n" 1 = 27 characters
        Conversation c27 = new Conversation("short", null, List.of(Turn.user("hi"), Turn.assistant("yo")));
        Conversation c28 = new Conversation("long", null, List.of(Turn.user("hi!"), Turn.assistant("yo")));
        MftcoderTemplate template = new MftcoderTemplate(RoleMarkers.MFTCODER, "</s>");

        EncodedExamples out = new ExampleEncoder(perChar, template, 27).encodeAll(List.of(c27, c28, c27), 1);

        assertEquals(2, out.examples().size());
        assertEquals(1, out.dropped());
        assertEquals("long", out.firstDroppedOrigin());
        assertEquals(27, out.examples().get(0).length());
        assertEquals(Optional.empty(), new ExampleEncoder(perChar, template, 26).encode(c27, 0));
        // labels: characters 19..25 ("yo\n</s>") trained, by hand
        int[] labels = out.examples().get(0).labels();
        for (int i = 0; i < 27; i++) {
            assertEquals(i >= 19 && i < 26 ? (int) "<s>human\nhi\n<s>bot\nyo\n</s>\n".charAt(i)
                    : TokenizedExample.IGNORE_INDEX, labels[i], "char " + i);
        }
    }

    @Test
    void overLongExamplesAreTruncatedFromTheChosenSideAndCounted() {
        TextTokenizer perChar = ExampleEncoderTest::perChar;
        MftcoderTemplate template = new MftcoderTemplate(RoleMarkers.MFTCODER, "</s>");
        // "<s>human\nhi\n<s>bot\n" (19 chars, untrained) + "yo\n</s>" (7, trained) + "\n" (1) = 27 characters
        Conversation c = new Conversation("c", null, List.of(Turn.user("hi"), Turn.assistant("yo")));
        String text = "<s>human\nhi\n<s>bot\nyo\n</s>\n";

        EncodedExamples left = new ExampleEncoder(perChar, template, LossMode.EFFICIENT, 10, Truncation.LEFT)
                .encodeAll(List.of(c), 0);
        EncodedExamples right = new ExampleEncoder(perChar, template, LossMode.EFFICIENT, 23, Truncation.RIGHT)
                .encodeAll(List.of(c), 0);
        EncodedExamples rightTooShort = new ExampleEncoder(perChar, template, LossMode.EFFICIENT, 19, Truncation.RIGHT)
                .encodeAll(List.of(c), 0);

        // left keeps the last 10 characters, right the first 23 (which end inside the reply)
        assertEquals(text.substring(17), chars(left.examples().get(0).inputIds()));
        assertEquals(1, left.stats().truncated());
        assertEquals(text.substring(0, 23), chars(right.examples().get(0).inputIds()));
        assertEquals("yo\n<", chars(trainedIds(right.examples().get(0))));
        // right-truncated to the 19 untrained characters: nothing left to train, dropped and counted
        assertEquals(0, rightTooShort.examples().size());
        assertEquals(1, rightTooShort.stats().untrainedAfterTruncation());
        assertEquals("c", rightTooShort.firstDroppedOrigin());
        // under "drop" one character too many drops it
        assertEquals(1, new ExampleEncoder(perChar, template, LossMode.EFFICIENT, 26, Truncation.DROP)
                .encodeAll(List.of(c), 0).stats().tooLong());
    }

    private static TokenEncoding perChar(String text) {
        int n = text.length();
        int[] ids = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = text.charAt(i);
            starts[i] = i;
            ends[i] = i + 1;
        }
        return new TokenEncoding(ids, starts, ends);
    }

    private static String chars(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append((char) id);
        }
        return sb.toString();
    }

    private static int[] trainedIds(TokenizedExample ex) {
        return Arrays.stream(ex.labels()).filter(l -> l != TokenizedExample.IGNORE_INDEX).toArray();
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
