package dev.mft.data.conversation;

/** Who speaks a message. */
public enum Role {
    SYSTEM,
    USER,
    ASSISTANT
}
