package dev.mft.data.read;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads MFTCoder chat_rounds JSONL: one object per line,
 * {@code {"id": ..., "chat_rounds": [{"role": ..., "content": ...}, ...]}}.
 *
 * <p>Roles (case-insensitive): {@code system} (optional, first only), then alternating
 * {@code human|user} and {@code bot|assistant|gpt}; at least one reply is required because a
 * conversation without one trains nothing. Other keys ({@code id}, {@code data_name}, ...) are
 * ignored. Blank lines are skipped but still counted, so line numbers match an editor's.
 */
public final class ChatRoundsReader {

    private static final String ROLES = "system, human, user, bot, assistant, gpt";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ChatRoundsReader() {}

    /** Reads a .jsonl file, or every {@code **}{@code /*.jsonl} file under a folder. */
    public static List<Conversation> read(Path fileOrFolder) {
        return Files.isDirectory(fileOrFolder) ? readFolder(fileOrFolder) : readFile(fileOrFolder);
    }

    /** Reads every {@code *.jsonl} file under {@code folder}, recursively, in sorted path order. */
    public static List<Conversation> readFolder(Path folder) {
        List<Conversation> all = new ArrayList<>();
        for (Path file : jsonlFiles(folder)) {
            all.addAll(readFile(file));
        }
        return all;
    }

    /** The {@code *.jsonl} files under {@code folder}, sorted so that reading is deterministic. */
    public static List<Path> jsonlFiles(Path folder) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list data folder " + folder, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(
                    "no *.jsonl files under " + folder + "; expected MFTCoder chat_rounds JSONL files");
        }
        return files;
    }

    /** Reads one JSONL file. */
    public static List<Conversation> readFile(Path file) {
        List<Conversation> conversations = new ArrayList<>();
        try (Utf8LineReader in = new Utf8LineReader(file)) {
            String line;
            while ((line = in.next()) != null) {
                if (in.lineNumber() == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1); // editors on Windows write a byte-order mark
                }
                if (!line.isBlank()) {
                    conversations.add(parseLine(line, file, in.lineNumber()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data file " + file, e);
        }
        return conversations;
    }

    private static Conversation parseLine(String line, Path file, int lineNumber) {
        JsonNode record;
        try {
            record = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DataFormatException(file, lineNumber,
                    "malformed JSON (" + e.getOriginalMessage() + "); expected one JSON object per line", e);
        }
        if (record == null || !record.isObject()) {
            throw new DataFormatException(file, lineNumber,
                    "expected a JSON object with \"chat_rounds\", got " + describe(record));
        }
        JsonNode rounds = record.get("chat_rounds");
        if (rounds == null || !rounds.isArray()) {
            throw new DataFormatException(file, lineNumber,
                    "\"chat_rounds\" is " + describe(rounds) + "; expected a list of {\"role\", \"content\"}");
        }
        if (rounds.isEmpty()) {
            throw new DataFormatException(file, lineNumber,
                    "empty conversation: \"chat_rounds\" is []; expected at least one user turn and one reply");
        }
        String system = null;
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < rounds.size(); i++) {
            String where = "chat_rounds[" + i + "]";
            JsonNode round = rounds.get(i);
            Role role = role(round, where, file, lineNumber);
            String content = text(round, "content", where, file, lineNumber);
            if (role == Role.SYSTEM) {
                if (i != 0) {
                    throw new DataFormatException(file, lineNumber,
                            where + " is a system message; expected it only as the first round");
                }
                system = content;
            } else {
                turns.add(new Turn(role, content));
            }
        }
        if (turns.stream().noneMatch(t -> t.role() == Role.ASSISTANT)) {
            throw new DataFormatException(file, lineNumber,
                    "no assistant reply; expected at least one round with role bot, assistant or gpt");
        }
        try {
            return new Conversation(file + ":" + lineNumber, system, turns);
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(file, lineNumber, e.getMessage(), e);
        }
    }

    private static Role role(JsonNode round, String where, Path file, int lineNumber) {
        String name = text(round, "role", where, file, lineNumber);
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "system" -> Role.SYSTEM;
            case "human", "user" -> Role.USER;
            case "bot", "assistant", "gpt" -> Role.ASSISTANT;
            default -> throw new DataFormatException(file, lineNumber,
                    where + ".role \"" + name + "\" is unknown; expected one of " + ROLES);
        };
    }

    private static String text(JsonNode round, String key, String where, Path file, int lineNumber) {
        if (round == null || !round.isObject()) {
            throw new DataFormatException(file, lineNumber,
                    where + " is " + describe(round) + "; expected an object {\"role\", \"content\"}");
        }
        JsonNode value = round.get(key);
        if (value == null || !value.isTextual()) {
            throw new DataFormatException(file, lineNumber,
                    where + "." + key + " is " + describe(value) + "; expected a string");
        }
        return value.textValue();
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        return node.getNodeType().toString().toLowerCase(Locale.ROOT) + " " + abbreviate(node.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
