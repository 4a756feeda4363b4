package dev.mft.data.read;

/** What is wrong with a bad record; {@link BadDataLog} counts skipped records by kind. */
public enum BadDataKind {
    MALFORMED_JSON("malformed JSON"),
    UNKNOWN_ROLE("unknown role"),
    SAME_ROLE_TWICE("two turns from one role in a row"),
    EMPTY_CONVERSATION("empty conversation"),
    NO_REPLY("no assistant reply"),
    INVALID_RECORD("invalid record");

    private final String label;

    BadDataKind(String label) {
        this.label = label;
    }

    /** How reports name it, e.g. "unknown role". */
    public String label() {
        return label;
    }
}
