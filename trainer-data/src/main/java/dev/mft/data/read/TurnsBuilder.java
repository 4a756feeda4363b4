package dev.mft.data.read;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Collects the messages of one record into a {@link Conversation}, reporting what breaks the conversation rules
 * (system first only, user first, roles alternating, at least one reply) as a {@link DataFormatException} of the
 * matching {@link BadDataKind} with the record's file and line.
 */
final class TurnsBuilder {

    static final String ROLES = "system, human, user, bot, assistant, gpt";

    private final Path file;
    private final int line;
    private String system;
    private final List<Turn> turns = new ArrayList<>();

    TurnsBuilder(Path file, int line) {
        this.file = file;
        this.line = line;
    }

    /** The role a name stands for (case-insensitive), or an UNKNOWN_ROLE error naming the field it came from. */
    Role role(String name, String field) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "system" -> Role.SYSTEM;
            case "human", "user" -> Role.USER;
            case "bot", "assistant", "gpt" -> Role.ASSISTANT;
            default -> throw error(BadDataKind.UNKNOWN_ROLE,
                    field + " \"" + name + "\" is unknown; expected one of " + ROLES);
        };
    }

    /** Adds a message; a system message is accepted only before every turn. */
    TurnsBuilder add(Role role, String content, String where) {
        if (role == Role.SYSTEM) {
            if (!turns.isEmpty() || system != null) {
                throw error(BadDataKind.INVALID_RECORD,
                        where + " is a system message; expected it only as the first round");
            }
            system = content;
            return this;
        }
        if (turns.isEmpty() && role == Role.ASSISTANT) {
            throw error(BadDataKind.INVALID_RECORD, where + " is an assistant reply; expected the first turn"
                    + " (after an optional system message) from the user");
        }
        if (!turns.isEmpty() && turns.get(turns.size() - 1).role() == role) {
            String who = role == Role.USER ? "user turns" : "assistant replies";
            String expected = role == Role.USER ? "an assistant reply" : "a user turn";
            throw error(BadDataKind.SAME_ROLE_TWICE, "turns " + turns.size() + " and " + (turns.size() + 1)
                    + " (" + where + ") are two " + who + " in a row; expected " + expected
                    + " between them (roles must alternate)");
        }
        turns.add(new Turn(role, content));
        return this;
    }

    /** The system message seen so far, or null. */
    String system() {
        return system;
    }

    /** The conversation; {@code what} names the record's list for the empty-conversation message. */
    Conversation build(String what) {
        if (turns.isEmpty() && system == null) {
            throw error(BadDataKind.EMPTY_CONVERSATION,
                    "empty conversation: " + what + " is []; expected at least one user turn and one reply");
        }
        if (turns.stream().noneMatch(t -> t.role() == Role.ASSISTANT)) {
            throw error(BadDataKind.NO_REPLY,
                    "no assistant reply; expected at least one round with role bot, assistant or gpt");
        }
        return new Conversation(file + ":" + line, system, turns);
    }

    DataFormatException error(BadDataKind kind, String problem) {
        return new DataFormatException(file, line, kind, problem);
    }
}
