package dev.mft.data.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Turn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** FastChat, alpaca and MFTCoder single-turn records; format detection; bad data under fail and skip. */
class TaskReaderTest {

    @TempDir
    Path tmp;

    private Path write(String name, String content) throws IOException {
        Path file = tmp.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static List<Conversation> read(Path path) {
        return new TaskReader(DataFormat.AUTO, BadDataLog.failing()).read(path);
    }

    @Test
    void fastChatListSkipsALeadingReplyAndKeepsRecordLines() throws IOException {
        Path file = write("chat.json", "[\n"
                + "  {\"id\": \"a\", \"conversations\": [{\"from\": \"human\", \"value\": \"q1\"},\n"
                + "     {\"from\": \"gpt\", \"value\": \"a1\"}, {\"from\": \"human\", \"value\": \"q2\"},"
                + " {\"from\": \"gpt\", \"value\": \"a2\"}]},\n"
                + "  {\"id\": \"b\", \"conversations\": [{\"from\": \"gpt\", \"value\": \"Hi! Ask me.\"},"
                + " {\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"gpt\", \"value\": \"a\"}]}\n]\n");

        List<Conversation> read = read(file);

        assertEquals(List.of(Turn.user("q1"), Turn.assistant("a1"), Turn.user("q2"), Turn.assistant("a2")),
                read.get(0).turns());
        assertEquals(List.of(Turn.user("q"), Turn.assistant("a")), read.get(1).turns());
        assertEquals(file + ":2", read.get(0).origin());
        assertEquals(file + ":4", read.get(1).origin());
    }

    @Test
    void alpacaJoinsInstructionAndInputAndPutsHistoryFirst() throws IOException {
        Path file = write("alpaca.json", "[{\"instruction\": \"Translate.\", \"input\": \"Hallo\", \"output\": \"Hello\","
                + " \"system\": \"You translate.\", \"history\": [[\"Hi\", \"Hi!\"]]},"
                + " {\"instruction\": \"Name a color.\", \"input\": \"\", \"output\": \"Blue\"}]");

        List<Conversation> read = read(file);

        assertEquals(new Conversation(file + ":1", "You translate.", List.of(Turn.user("Hi"), Turn.assistant("Hi!"),
                Turn.user("Translate.\nHallo"), Turn.assistant("Hello"))), read.get(0));
        assertEquals(List.of(Turn.user("Name a color."), Turn.assistant("Blue")), read.get(1).turns());
    }

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({"prompt, answer", "prompt, response", "input, output", "instruction, response",
        "question, response", "question, answer", "query, answer"})
    void mftcoderSingleTurnShapesAreOneUserTurnAndOneReply(String promptKey, String answerKey) throws IOException {
        Path file = write("single.jsonl", "{\"" + promptKey + "\": \"p\", \"" + answerKey + "\": \"r\","
                + " \"system\": \"s\"}\n");

        List<Conversation> read = read(file);

        assertEquals(new Conversation(file + ":1", "s", List.of(Turn.user("p"), Turn.assistant("r"))), read.get(0));
    }

    @Test
    void eachFileOfAFolderHasItsOwnFormat() throws IOException {
        write("task/a.jsonl", "{\"chat_rounds\": [{\"role\": \"human\", \"content\": \"q\"},"
                + " {\"role\": \"bot\", \"content\": \"a\"}]}\n");
        write("task/b.json", "[{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"},"
                + " {\"from\": \"gpt\", \"value\": \"b\"}]}]");
        write("task/c/d.json", "[{\"instruction\": \"q\", \"input\": \"\", \"output\": \"c\"}]");

        List<String> replies = read(tmp.resolve("task")).stream().map(c -> c.turns().get(1).content()).toList();

        assertEquals(List.of("a", "b", "c"), replies);
    }

    @Test
    void aNamedFormatRefusesRecordsOfAnother() throws IOException {
        Path file = write("x.jsonl", "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}]}\n");

        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new TaskReader(DataFormat.ALPACA, BadDataLog.failing()).read(file));

        assertTrue(e.getMessage().startsWith(file + ":1: "), e.getMessage());
        assertTrue(e.getMessage().contains("\"instruction\""), e.getMessage());
    }

    /** Every bad-data case of the issue, in each format: fail names file and line, skip counts it by kind. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "MALFORMED_JSON      | {\"conversations\": [                      | malformed JSON",
        "UNKNOWN_ROLE        | {\"conversations\": [{\"from\": \"robot\", \"value\": \"x\"}]} | conversations[0].from \"robot\" is unknown",
        "SAME_ROLE_TWICE     | {\"conversations\": [{\"from\": \"human\", \"value\": \"a\"}, {\"from\": \"human\", \"value\": \"b\"}, {\"from\": \"gpt\", \"value\": \"c\"}]} | two user turns in a row",
        "EMPTY_CONVERSATION  | {\"conversations\": []}                   | empty conversation",
        "NO_REPLY            | {\"conversations\": [{\"from\": \"human\", \"value\": \"a\"}]} | no assistant reply",
        "SAME_ROLE_TWICE     | {\"chat_rounds\": [{\"role\": \"human\", \"content\": \"a\"}, {\"role\": \"bot\", \"content\": \"b\"}, {\"role\": \"bot\", \"content\": \"c\"}]} | two assistant replies in a row",
        "UNKNOWN_ROLE        | {\"chat_rounds\": [{\"role\": \"robot\", \"content\": \"x\"}]} | chat_rounds[0].role \"robot\" is unknown",
        "NO_REPLY            | {\"chat_rounds\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"human\", \"content\": \"a\"}]} | no assistant reply",
        "EMPTY_CONVERSATION  | {\"chat_rounds\": []}                     | empty conversation",
        "INVALID_RECORD      | {\"instruction\": \"q\", \"output\": 3}     | \"output\" is number 3; expected a string",
    })
    void badRecordsFailWithFileAndLineOrAreSkippedAndCounted(BadDataKind kind, String badLine, String problem)
            throws IOException {
        String good = badLine.contains("chat_rounds")
                ? "{\"chat_rounds\": [{\"role\": \"human\", \"content\": \"q\"}, {\"role\": \"bot\", \"content\": \"a\"}]}"
                : badLine.contains("instruction") ? "{\"instruction\": \"q\", \"input\": \"\", \"output\": \"a\"}"
                : "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}, {\"from\": \"gpt\", \"value\": \"a\"}]}";
        Path file = write("bad.jsonl", good + "\n\n" + badLine + "\n" + good + "\n");

        DataFormatException e = assertThrows(DataFormatException.class, () -> read(file));
        BadDataLog skip = new BadDataLog(OnBadData.SKIP);
        List<Conversation> kept = new TaskReader(DataFormat.AUTO, skip).read(file);

        assertEquals(3, e.line());
        assertEquals(kind, e.kind());
        assertTrue(e.getMessage().startsWith(file + ":3: ") && e.getMessage().contains(problem), e.getMessage());
        assertEquals(2, kept.size());
        assertEquals(Map.of(kind, 1), skip.counts());
        assertEquals(List.of(e.getMessage()), skip.firstSkipped());
        assertTrue(skip.summary().startsWith("1 bad record(s) skipped (1 " + kind.label() + ")"), skip.summary());
    }

    @Test
    void aBrokenJsonListFailsEvenWhenSkipping() throws IOException {
        Path file = write("broken.json", "[{\"instruction\": \"q\", \"input\": \"\", \"output\": \"a\"},\n{\"instruction\": ]");

        DataFormatException e = assertThrows(DataFormatException.class,
                () -> new TaskReader(DataFormat.AUTO, new BadDataLog(OnBadData.SKIP)).read(file));

        assertEquals(2, e.line());
        assertEquals(BadDataKind.MALFORMED_JSON, e.kind());
        assertTrue(e.getMessage().contains("cannot be skipped past"), e.getMessage());
    }

    @Test
    void skippedRecordsAreCountedPerKindAndOnlyTheFirstFewQuoted() throws IOException {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 7; i++) {
            lines.append("{\"chat_rounds\": []}\n{\"chat_rounds\": [{\"role\": \"x\", \"content\": \"y\"}]}\n");
        }
        BadDataLog log = new BadDataLog(OnBadData.SKIP);

        List<Conversation> kept = new TaskReader(DataFormat.MFTCODER, log).read(write("all-bad.jsonl", lines.toString()));

        assertEquals(0, kept.size());
        assertEquals(Map.of(BadDataKind.EMPTY_CONVERSATION, 7, BadDataKind.UNKNOWN_ROLE, 7), log.counts());
        assertEquals(BadDataLog.QUOTED, log.firstSkipped().size());
        assertNull(new BadDataLog(OnBadData.SKIP).counts().get(BadDataKind.NO_REPLY));
    }
}
