package dev.mft.data.tokenize;

/**
 * Counts of one encoding pass, for the report: nothing is dropped without being counted here.
 *
 * @param conversations conversations read
 * @param rendered examples the loss mode made of them
 * @param tooLong examples dropped for being longer than seq_length (truncation "drop")
 * @param truncated examples cut to seq_length (truncation "left" or "right")
 * @param untrainedAfterTruncation truncated examples dropped because no trained token was left
 * @param firstDroppedOrigin where the first dropped example came from, or null
 */
public record EncodeStats(int conversations, int rendered, int tooLong, int truncated, int untrainedAfterTruncation,
        String firstDroppedOrigin) {

    public static final EncodeStats NONE = new EncodeStats(0, 0, 0, 0, 0, null);

    /** Examples dropped for any reason. */
    public int dropped() {
        return tooLong + untrainedAfterTruncation;
    }

    public EncodeStats plus(EncodeStats o) {
        return new EncodeStats(conversations + o.conversations, rendered + o.rendered, tooLong + o.tooLong,
                truncated + o.truncated, untrainedAfterTruncation + o.untrainedAfterTruncation,
                firstDroppedOrigin != null ? firstDroppedOrigin : o.firstDroppedOrigin);
    }
}
