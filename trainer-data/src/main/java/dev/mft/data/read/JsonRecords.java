package dev.mft.data.read;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The records of a data file with the line each starts on: a JSON list ({@code [{...}, {...}]}, FastChat and alpaca
 * files) or JSON Lines (one object per line, MFTCoder). Which one is decided by the content (a list starts with
 * {@code [}), not the file name, because both kinds circulate as .json and as .jsonl.
 *
 * <p>A malformed line of a JSONL file goes to the {@link BadDataLog} and reading goes on; a syntax error inside a
 * JSON list is always fatal, because a parser cannot find where the next record starts.
 */
public final class JsonRecords {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    // a list element is followed by the next one, which the trailing-token check would refuse
    private static final ObjectMapper LIST = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private JsonRecords() {}

    /** Receives each record. */
    @FunctionalInterface
    public interface Consumer {
        void accept(JsonNode record, int line);
    }

    /** Calls {@code consumer} for every record of {@code file} in file order. */
    public static void forEach(Path file, BadDataLog bad, Consumer consumer) {
        try {
            if (startsWithBracket(file)) {
                readList(file, consumer);
            } else {
                readLines(file, bad, consumer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data file " + file, e);
        }
    }

    private static boolean startsWithBracket(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            int b;
            int index = 0;
            while ((b = in.read()) != -1) {
                boolean bom = index < 3 && (b == 0xEF || b == 0xBB || b == 0xBF);
                index++;
                if (!bom && !Character.isWhitespace(b)) {
                    return b == '[';
                }
            }
            return false;
        }
    }

    private static void readLines(Path file, BadDataLog bad, Consumer consumer) throws IOException {
        try (Utf8LineReader in = new Utf8LineReader(file)) {
            while (true) {
                String line;
                try {
                    line = in.next();
                } catch (DataFormatException notUtf8) {
                    bad.report(notUtf8);
                    continue;
                }
                if (line == null) {
                    return;
                }
                if (in.lineNumber() == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1); // editors on Windows write a byte-order mark
                }
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record;
                try {
                    record = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    bad.report(new DataFormatException(file, in.lineNumber(), BadDataKind.MALFORMED_JSON,
                            "malformed JSON (" + e.getOriginalMessage() + "); expected one JSON object per line", e));
                    continue;
                }
                consumer.accept(record, in.lineNumber());
            }
        }
    }

    private static void readList(Path file, Consumer consumer) throws IOException {
        try (JsonParser p = LIST.createParser(file.toFile())) {
            try {
                p.nextToken(); // START_ARRAY, checked by startsWithBracket
                JsonToken token;
                while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (token == null) {
                        throw new DataFormatException(file, p.currentLocation().getLineNr(),
                                BadDataKind.MALFORMED_JSON, "the JSON list ends without ']'; expected a complete list");
                    }
                    int line = p.currentTokenLocation().getLineNr();
                    JsonNode record = LIST.readTree(p);
                    consumer.accept(record, line);
                }
                if (p.nextToken() != null) {
                    throw new DataFormatException(file, p.currentTokenLocation().getLineNr(),
                            BadDataKind.MALFORMED_JSON, "text after the JSON list; expected the file to end at ']'");
                }
            } catch (JsonProcessingException e) {
                int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
                throw new DataFormatException(file, line, BadDataKind.MALFORMED_JSON, "malformed JSON ("
                        + e.getOriginalMessage() + "); expected a JSON list of objects (a broken list cannot be"
                        + " skipped past: fix the file)", e);
            }
        }
    }
}
