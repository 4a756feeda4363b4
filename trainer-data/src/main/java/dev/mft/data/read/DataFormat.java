package dev.mft.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Locale;

/** The config key {@code data_format}: the record shape of the data files, or {@link #AUTO} to detect it per file. */
public enum DataFormat {
    /** Decided per file from its first record. */
    AUTO,
    /** MFTCoder: {@code chat_rounds} records, or its single-turn pairs (prompt/answer, ...). */
    MFTCODER,
    /** FastChat / ShareGPT: {@code conversations} of {@code {"from", "value"}}. */
    FASTCHAT,
    /** Alpaca: {@code instruction}, {@code input}, {@code output} (+ {@code system}, {@code history}). */
    ALPACA;

    /** The name as the config writes it, e.g. {@code "fastchat"}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The format a record has: {@code chat_rounds} is MFTCoder, {@code conversations} FastChat,
     * {@code instruction} + {@code output} alpaca (it may carry {@code input}), and any other of MFTCoder's
     * single-turn pairs MFTCoder.
     */
    static DataFormat detect(JsonNode record, Path file, int line) {
        if (record != null && record.isObject()) {
            if (record.has("chat_rounds")) {
                return MFTCODER;
            }
            if (record.has("conversations")) {
                return FASTCHAT;
            }
            if (record.has("instruction") && record.has("output")) {
                return ALPACA;
            }
            if (MftcoderRecords.singleTurnPair(record) != null) {
                return MFTCODER;
            }
        }
        throw new DataFormatException(file, line, "cannot tell the data format from the first record ("
                + JsonFields.describe(record) + "); expected \"chat_rounds\" (mftcoder), \"conversations\""
                + " (fastchat), \"instruction\"/\"output\" (alpaca) or a single-turn pair such as prompt/answer,"
                + " or set data_format");
    }

    RecordReader reader() {
        return switch (this) {
            case MFTCODER -> new MftcoderRecords();
            case FASTCHAT -> new FastChatRecords();
            case ALPACA -> new AlpacaRecords();
            case AUTO -> throw new IllegalStateException("AUTO has no reader; detect the format first");
        };
    }
}
