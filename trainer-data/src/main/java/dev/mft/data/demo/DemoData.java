package dev.mft.data.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import dev.mft.data.io.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 48 synthetic conversations with fixed answer patterns a tiny model learns quickly: addition and
 * subtraction ({@code 12 + 30 = 42}) and word reversal, some with a system message, a quarter
 * multi-turn. Fully determined by the code: no randomness, no files read.
 */
public final class DemoData {

    /** Number of conversations. */
    public static final int SIZE = 48;

    private static final String[] WORDS = {
        "red", "blue", "green", "cat", "dog", "sun", "moon", "tree",
        "fish", "bird", "star", "rain", "snow", "wind", "rock", "leaf"
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoData() {}

    /** The demo conversations, origin {@code demo:<index>}. */
    public static List<Conversation> conversations() {
        List<Conversation> out = new ArrayList<>(SIZE);
        for (int i = 0; i < SIZE; i++) {
            out.add(conversation(i));
        }
        return out;
    }

    /** Writes the conversations as MFTCoder chat_rounds JSONL (one line each, atomically). */
    public static void writeChatRounds(Path file) {
        StringBuilder jsonl = new StringBuilder();
        List<Conversation> conversations = conversations();
        for (int i = 0; i < conversations.size(); i++) {
            jsonl.append(toJsonLine(i, conversations.get(i))).append('\n');
        }
        AtomicFiles.writeString(file, jsonl.toString());
    }

    private static Conversation conversation(int i) {
        int a = (7 * i + 3) % 50;
        int b = (13 * i + 8) % 50;
        String origin = "demo:" + i;
        return switch (i % 4) {
            case 0 -> new Conversation(origin, null, List.of(
                    Turn.user("What is " + a + " + " + b + "?"), Turn.assistant(a + " + " + b + " = " + (a + b))));
            case 1 -> new Conversation(origin, "You are a careful calculator.", List.of(
                    Turn.user("What is " + a + " - " + b + "?"), Turn.assistant(a + " - " + b + " = " + (a - b))));
            case 2 -> new Conversation(origin, null, List.of(
                    Turn.user("Reverse the words: " + words(i, 3)), Turn.assistant(reversed(i, 3))));
            default -> new Conversation(origin, i % 8 == 7 ? "Answer briefly." : null, List.of(
                    Turn.user("What is " + a + " + " + b + "?"), Turn.assistant(a + " + " + b + " = " + (a + b)),
                    Turn.user("Reverse the words: " + words(i, 4)), Turn.assistant(reversed(i, 4))));
        };
    }

    private static List<String> wordList(int i, int count) {
        List<String> words = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            words.add(WORDS[(5 * i + 3 * k) % WORDS.length]);
        }
        return words;
    }

    private static String words(int i, int count) {
        return String.join(" ", wordList(i, count));
    }

    private static String reversed(int i, int count) {
        List<String> words = new ArrayList<>(wordList(i, count));
        Collections.reverse(words);
        return String.join(" ", words);
    }

    // MFTCoder spelling: human/bot; role names the reader also accepts are covered by its tests
    private static String toJsonLine(int id, Conversation c) {
        List<Map<String, String>> rounds = new ArrayList<>();
        if (c.system() != null) {
            rounds.add(round("system", c.system()));
        }
        for (Turn t : c.turns()) {
            rounds.add(round(t.role() == Role.USER ? "human" : "bot", t.content()));
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", id);
        record.put("data_name", "demo");
        record.put("chat_rounds", rounds);
        try {
            return JSON.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write demo record " + id, e);
        }
    }

    private static Map<String, String> round(String role, String content) {
        Map<String, String> round = new LinkedHashMap<>();
        round.put("role", role);
        round.put("content", content);
        return round;
    }
}
