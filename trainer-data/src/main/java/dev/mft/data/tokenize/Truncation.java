package dev.mft.data.tokenize;

import java.util.Locale;

/** The config key {@code truncation}: what happens to an example longer than seq_length. */
public enum Truncation {
    /** Drop it (MFTCoder's behaviour; the default). */
    DROP,
    /** Keep its last seq_length tokens (the final reply survives, the start of the context goes). */
    LEFT,
    /** Keep its first seq_length tokens. */
    RIGHT;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
