package dev.mft.data.conversation;

import java.util.Objects;

/** One user or assistant message; the system message lives in {@link Conversation#system()}. */
public record Turn(Role role, String content) {

    public Turn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (role == Role.SYSTEM) {
            throw new IllegalArgumentException(
                    "a system message is not a turn; expected it as the conversation's system text");
        }
    }

    public static Turn user(String content) {
        return new Turn(Role.USER, content);
    }

    public static Turn assistant(String content) {
        return new Turn(Role.ASSISTANT, content);
    }
}
