package dev.mft.cli.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The JSON type of a config key, and how a value of it is read from the file (a JSON node) or from the command
 * line (raw text). Paths are kept as {@link Path} here and resolved later, because the folder they are relative to
 * depends on where the value came from.
 */
public enum ValueType {
    STRING("string", "a string"),
    INT("int", "an integer"),
    DOUBLE("double", "a number"),
    BOOL("bool", "true or false"),
    PATH("path", "a path string"),
    /** A JSON list, MFTCoder's {@code "[a,b]"} string, or one string (a list of one). */
    STRING_LIST("string-list", "a list of strings or a \"[a,b]\" string"),
    /** Like {@link #STRING_LIST}, each entry a path. */
    PATH_LIST("path-list", "a list of paths or a \"[a,b]\" string"),
    /** A JSON list of numbers or MFTCoder's {@code "[1,2]"} string. */
    DOUBLE_LIST("double-list", "a list of numbers or a \"[1,2]\" string"),
    STRING_MAP("string-map", "an object of strings"),
    /**
     * A list of names ({@link List}) or one string ({@link String}) whose meaning the key gives (e.g. a regex);
     * MFTCoder's {@code "[a,b]"} string is a list.
     */
    NAMES_OR_STRING("string-list or string", "a list of strings or a string");

    // Numbers as JSON writes them; Double.parseDouble alone would also take "1d", "NaN" or hex floats.
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String docName;
    private final String expected;

    ValueType(String docName, String expected) {
        this.docName = docName;
        this.expected = expected;
    }

    /** The name the configuration reference shows, e.g. {@code "path-list"}. */
    public String docName() {
        return docName;
    }

    /** What a value must look like, e.g. {@code "an integer"}; used in error messages. */
    public String expected() {
        return expected;
    }

    /** Reads a value from the config file; a JSON {@code null} is the caller's business. */
    Object fromJson(JsonNode node) {
        switch (this) {
            case STRING:
                return text(node);
            case INT:
                if (!node.isIntegralNumber()) {
                    throw mismatch(describe(node));
                }
                if (!node.canConvertToInt()) {
                    throw new ValueTypeException("an integer in the int range", describe(node));
                }
                return node.intValue();
            case DOUBLE:
                if (!node.isNumber()) {
                    throw mismatch(describe(node));
                }
                return node.doubleValue();
            case BOOL:
                if (!node.isBoolean()) {
                    throw mismatch(describe(node));
                }
                return node.booleanValue();
            case PATH:
                return path(text(node));
            case STRING_LIST:
                return node.isTextual() ? fromText(node.textValue()) : jsonList(node, this::text);
            case PATH_LIST:
                return node.isTextual() ? fromText(node.textValue()) : jsonList(node, n -> path(text(n)));
            case DOUBLE_LIST:
                return node.isTextual() ? fromText(node.textValue()) : jsonList(node, DOUBLE::fromJson);
            case STRING_MAP:
                return jsonMap(node);
            case NAMES_OR_STRING:
                return node.isTextual() ? fromText(node.textValue()) : jsonList(node, this::text);
            default:
                throw new AssertionError(this);
        }
    }

    /** Reads a value typed on the command line. */
    Object fromText(String raw) {
        String text = raw.trim();
        switch (this) {
            case STRING:
                return raw;
            case INT:
                if (!INTEGER.matcher(text).matches()) {
                    throw mismatch(quote(raw));
                }
                try {
                    return Integer.parseInt(text);
                } catch (NumberFormatException e) {
                    throw new ValueTypeException("an integer in the int range", quote(raw));
                }
            case DOUBLE:
                if (!NUMBER.matcher(text).matches()) {
                    throw mismatch(quote(raw));
                }
                return Double.parseDouble(text);
            case BOOL:
                if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                    return Boolean.parseBoolean(text);
                }
                throw mismatch(quote(raw));
            case PATH:
                return path(raw);
            case STRING_LIST:
                return textList(text, s -> s);
            case PATH_LIST:
                return textList(text, ValueType::path);
            case DOUBLE_LIST:
                return textList(text, s -> DOUBLE.fromText(s));
            case STRING_MAP:
                try {
                    return jsonMap(JSON.readTree(text));
                } catch (JsonProcessingException e) {
                    throw new ValueTypeException("a JSON object of strings, e.g. {\"system\": \"...\"}", quote(raw));
                }
            case NAMES_OR_STRING:
                return isBracketed(text) ? textList(text, s -> s) : raw;
            default:
                throw new AssertionError(this);
        }
    }

    private ValueTypeException mismatch(String found) {
        return new ValueTypeException(expected, found);
    }

    private String text(JsonNode node) {
        if (!node.isTextual()) {
            throw mismatch(describe(node));
        }
        return node.textValue();
    }

    private <T> List<T> jsonList(JsonNode node, Function<JsonNode, T> element) {
        if (!node.isArray()) {
            throw mismatch(describe(node));
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            try {
                out.add(element.apply(node.get(i)));
            } catch (ValueTypeException e) {
                throw new ValueTypeException(expected, describe(node.get(i)) + " at index " + i);
            }
        }
        return List.copyOf(out);
    }

    private Map<String, String> jsonMap(JsonNode node) {
        if (!node.isObject()) {
            throw mismatch(describe(node));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getValue().isTextual()) {
                throw new ValueTypeException(expected, describe(field.getValue()) + " at \"" + field.getKey() + "\"");
            }
            out.put(field.getKey(), field.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    /** "[a, b]" (MFTCoder's list string, entries optionally quoted) or one entry. */
    private <T> List<T> textList(String text, Function<String, T> element) {
        if (!isBracketed(text)) {
            return List.of(element.apply(text));
        }
        String inner = text.substring(1, text.length() - 1).trim();
        if (inner.isEmpty()) {
            return List.of();
        }
        List<T> out = new ArrayList<>();
        for (String part : inner.split(",", -1)) {
            String entry = unquote(part.trim());
            if (entry.isEmpty()) {
                throw new ValueTypeException(expected + " without empty entries", quote(text));
            }
            try {
                out.add(element.apply(entry));
            } catch (ValueTypeException e) {
                throw new ValueTypeException(expected, quote(text));
            }
        }
        return List.copyOf(out);
    }

    private static boolean isBracketed(String text) {
        return text.length() >= 2 && text.startsWith("[") && text.endsWith("]");
    }

    private static String unquote(String s) {
        boolean quoted = s.length() >= 2
                && ((s.startsWith("\"") && s.endsWith("\"")) || (s.startsWith("'") && s.endsWith("'")));
        return quoted ? s.substring(1, s.length() - 1) : s;
    }

    private static Path path(String text) {
        if (text.isBlank()) {
            throw new ValueTypeException("a non-empty path", quote(text));
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new ValueTypeException("a valid path", quote(text) + " (" + e.getReason() + ")");
        }
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }

    /** "string \"4096\"", "number 1.5", "list [...]": what a user sees in their file. */
    static String describe(JsonNode node) {
        if (node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            return "string " + node.toString();
        }
        if (node.isNumber()) {
            return "number " + node.toString();
        }
        if (node.isBoolean()) {
            return "boolean " + node.toString();
        }
        String json = node.toString();
        String shown = json.length() > 60 ? json.substring(0, 57) + "..." : json;
        return (node.isArray() ? "list " : "object ") + shown;
    }

    /** A value that is not of the expected type. */
    static final class ValueTypeException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String expected;
        final String found;

        ValueTypeException(String expected, String found) {
            super("expected " + expected + ", found " + found);
            this.expected = expected;
            this.found = found;
        }
    }
}
