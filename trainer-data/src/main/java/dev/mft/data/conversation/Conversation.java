package dev.mft.data.conversation;

import java.util.List;
import java.util.Objects;

/**
 * An optional system message followed by turns that alternate user, assistant, user, ...
 *
 * <p>It may end with a user turn (a prompt awaiting a reply, or trailing context in training data);
 * whether a reply is required is the reader's rule, not the type's.
 *
 * @param origin where it came from, for messages (e.g. {@code data/a.jsonl:12}); never null
 * @param system the system message, or null when there is none
 * @param turns at least one turn, the first from the user, roles alternating
 */
public record Conversation(String origin, String system, List<Turn> turns) {

    public Conversation {
        Objects.requireNonNull(origin, "origin");
        turns = List.copyOf(Objects.requireNonNull(turns, "turns"));
        if (turns.isEmpty()) {
            throw new IllegalArgumentException(
                    "empty conversation; expected at least one user turn and one assistant reply");
        }
        if (turns.get(0).role() != Role.USER) {
            throw new IllegalArgumentException(
                    "turn 1 is an assistant reply; expected the first turn (after an optional system"
                            + " message) from the user");
        }
        for (int i = 1; i < turns.size(); i++) {
            Role previous = turns.get(i - 1).role();
            if (turns.get(i).role() == previous) {
                String who = previous == Role.USER ? "user turns" : "assistant replies";
                String expected = previous == Role.USER ? "an assistant reply" : "a user turn";
                throw new IllegalArgumentException(
                        "turns " + i + " and " + (i + 1) + " are two " + who + " in a row; expected "
                                + expected + " between them (roles must alternate)");
            }
        }
    }

    /** Number of assistant replies. */
    public int replyCount() {
        return (int) turns.stream().filter(t -> t.role() == Role.ASSISTANT).count();
    }

    /**
     * The conversation cut after its {@code reply}-th assistant reply (0-based): what split_example trains reply
     * {@code reply} on.
     */
    public Conversation upToReply(int reply) {
        int seen = -1;
        for (int i = 0; i < turns.size(); i++) {
            if (turns.get(i).role() == Role.ASSISTANT && ++seen == reply) {
                return new Conversation(origin, system, turns.subList(0, i + 1));
            }
        }
        throw new IllegalArgumentException(origin + " has " + replyCount() + " replies; no reply " + reply);
    }
}
