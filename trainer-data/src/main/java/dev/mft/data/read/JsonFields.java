package dev.mft.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Locale;

/** Typed access to a record's fields with messages that say what was found and what was expected. */
final class JsonFields {

    private JsonFields() {}

    /** The record as an object, or an INVALID_RECORD error that names the keys the format expects. */
    static JsonNode object(JsonNode record, Path file, int line, String expectedKeys) {
        if (record == null || !record.isObject()) {
            throw new DataFormatException(file, line,
                    "expected a JSON object with " + expectedKeys + ", got " + describe(record));
        }
        return record;
    }

    /** A required string field of {@code node}; {@code where} names it in messages (e.g. chat_rounds[2]). */
    static String text(JsonNode node, String key, String where, Path file, int line) {
        if (node == null || !node.isObject()) {
            throw new DataFormatException(file, line, where + " is " + describe(node) + "; expected an object");
        }
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual()) {
            String path = where.isEmpty() ? "\"" + key + "\"" : where + "." + key;
            throw new DataFormatException(file, line, path + " is " + describe(value) + "; expected a string");
        }
        return value.textValue();
    }

    /** An optional string field: null when absent or JSON null. */
    static String optionalText(JsonNode node, String key, Path file, int line) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        return text(node, key, "", file, line);
    }

    /** A required list field. */
    static JsonNode list(JsonNode node, String key, String itemShape, Path file, int line) {
        JsonNode value = node.get(key);
        if (value == null || !value.isArray()) {
            throw new DataFormatException(file, line,
                    "\"" + key + "\" is " + describe(value) + "; expected a list of " + itemShape);
        }
        return value;
    }

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        String s = node.toString();
        return node.getNodeType().toString().toLowerCase(Locale.ROOT) + " "
                + (s.length() <= 60 ? s : s.substring(0, 57) + "...");
    }
}
