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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChatRoundsReaderTest {

    private static final String GOOD = "{\"id\": 1, \"chat_rounds\": [{\"role\": \"human\", \"content\": \"hi\"},"
            + " {\"role\": \"bot\", \"content\": \"hello\"}]}";

    @TempDir
    Path tmp;

    private Path write(String name, String content) throws IOException {
        Path file = tmp.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void readsSystemAndAlternatingTurnsWithEveryRoleSpelling() throws IOException {
        Path file = write("a.jsonl", "{\"id\": \"x\", \"data_name\": \"d\", \"chat_rounds\": ["
                + "{\"role\": \"system\", \"content\": \"be brief\"},"
                + "{\"role\": \"human\", \"content\": \"q1\"}, {\"role\": \"bot\", \"content\": \"a1\"},"
                + "{\"role\": \"user\", \"content\": \"q2\"}, {\"role\": \"assistant\", \"content\": \"a2\"},"
                + "{\"role\": \"USER\", \"content\": \"q3\"}, {\"role\": \"gpt\", \"content\": \"a3\"}]}\n");

        List<Conversation> read = ChatRoundsReader.readFile(file);

        assertEquals(1, read.size());
        Conversation c = read.get(0);
        assertEquals("be brief", c.system());
        assertEquals(List.of(Turn.user("q1"), Turn.assistant("a1"), Turn.user("q2"), Turn.assistant("a2"),
                Turn.user("q3"), Turn.assistant("a3")), c.turns());
        assertEquals(file + ":1", c.origin());
    }

    @Test
    void skipsBlankLinesButKeepsCountingThem() throws IOException {
        Path file = write("a.jsonl", "\uFEFF" + GOOD + "\n\n   \r\n" + GOOD + "\r\n");

        List<Conversation> read = ChatRoundsReader.readFile(file);

        assertEquals(2, read.size());
        assertNull(read.get(0).system());
        assertEquals(file + ":4", read.get(1).origin());
    }

    @Test
    void acceptsATrailingUserTurnAfterAReply() throws IOException {
        Path file = write("a.jsonl", "{\"chat_rounds\": [{\"role\": \"human\", \"content\": \"q\"},"
                + " {\"role\": \"bot\", \"content\": \"a\"}, {\"role\": \"human\", \"content\": \"thanks\"}]}");

        assertEquals(3, ChatRoundsReader.readFile(file).get(0).turns().size());
    }

    @Test
    void readsAFolderRecursivelyInSortedPathOrder() throws IOException {
        String one = GOOD.replace("\"hi\"", "\"one\"");
        String two = GOOD.replace("\"hi\"", "\"two\"");
        String three = GOOD.replace("\"hi\"", "\"three\"");
        write("task/b.jsonl", two);
        write("task/a/z.jsonl", one);
        write("task/c.jsonl", three);
        write("task/notes.txt", "not data");

        List<Conversation> read = ChatRoundsReader.read(tmp.resolve("task"));

        assertEquals(List.of("one", "two", "three"),
                read.stream().map(c -> c.turns().get(0).content()).toList());
    }

    @Test
    void anEmptyFolderIsAnError() throws IOException {
        Files.createDirectories(tmp.resolve("empty"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatRoundsReader.readFolder(tmp.resolve("empty")));

        assertTrue(e.getMessage().contains("no *.jsonl files under"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "malformed JSON            | {\"chat_rounds\": [               | malformed JSON",
        "trailing garbage          | {\"chat_rounds\": []} x           | malformed JSON",
        "not an object             | [1, 2]                              | expected a JSON object",
        "missing chat_rounds       | {\"id\": 3}                        | \"chat_rounds\" is missing",
        "empty conversation        | {\"chat_rounds\": []}              | empty conversation",
        "unknown role              | {\"chat_rounds\": [{\"role\": \"robot\", \"content\": \"x\"}]} | chat_rounds[0].role \"robot\" is unknown",
        "content not a string      | {\"chat_rounds\": [{\"role\": \"human\", \"content\": 5}]} | chat_rounds[0].content is number 5; expected a string",
        "round not an object       | {\"chat_rounds\": [\"hi\"]}        | chat_rounds[0] is string",
        "two user turns in a row   | {\"chat_rounds\": [{\"role\": \"human\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}, {\"role\": \"bot\", \"content\": \"c\"}]} | two user turns in a row",
        "two replies in a row      | {\"chat_rounds\": [{\"role\": \"human\", \"content\": \"a\"}, {\"role\": \"bot\", \"content\": \"b\"}, {\"role\": \"bot\", \"content\": \"c\"}]} | two assistant replies in a row",
        "reply first               | {\"chat_rounds\": [{\"role\": \"bot\", \"content\": \"a\"}, {\"role\": \"human\", \"content\": \"b\"}]} | expected the first turn",
        "no assistant reply        | {\"chat_rounds\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"human\", \"content\": \"a\"}]} | no assistant reply",
        "system not first          | {\"chat_rounds\": [{\"role\": \"human\", \"content\": \"a\"}, {\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"bot\", \"content\": \"c\"}]} | chat_rounds[1] is a system message",
        "duplicate key             | {\"chat_rounds\": [], \"chat_rounds\": []} | malformed JSON",
    })
    void aBadLineIsReportedWithFileLineAndWhatWasExpected(String name, String badLine, String problem)
            throws IOException {
        Path file = write("bad.jsonl", GOOD + "\n\n" + badLine + "\n" + GOOD + "\n");

        DataFormatException e = assertThrows(DataFormatException.class, () -> ChatRoundsReader.readFile(file));

        assertEquals(file, e.file());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith(file + ":3: "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }

    @Test
    void invalidUtf8IsReportedOnItsOwnLine() throws IOException {
        Path file = tmp.resolve("bytes.jsonl");
        byte[] good = (GOOD + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
        byte[] all = new byte[good.length * 2 + bad.length];
        System.arraycopy(good, 0, all, 0, good.length);
        System.arraycopy(good, 0, all, good.length, good.length);
        System.arraycopy(bad, 0, all, 2 * good.length, bad.length);
        Files.write(file, all);

        DataFormatException e = assertThrows(DataFormatException.class, () -> ChatRoundsReader.readFile(file));

        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }
}
