package dev.mft.cli.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A config value outside what its key allows. Names the key, the value found and what was expected, and shows
 * an example (as JSON, or as a command-line option once the loader knows the value came from there).
 */
public final class ConfigValueException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final transient Object value;
    private final String expected;

    /**
     * @param key the config key (or alias) whose value is wrong
     * @param value the value found
     * @param expected what it must be, phrased to follow "must be", e.g. {@code "> 0"}
     */
    public ConfigValueException(String key, Object value, String expected) {
        super(key + " must be " + expected + ", found " + render(value)
                + " (e.g. " + ConfigSource.JSON_EXAMPLE.example(key) + ")");
        this.key = key;
        this.value = value;
        this.expected = expected;
    }

    /** The key (or alias) whose value is wrong. */
    public String key() {
        return key;
    }

    /**
     * The same problem phrased for where the value came from and the name it was given there (an alias, maybe),
     * e.g. {@code --learning_rate must be > 0, found 0.0 (e.g. --learning_rate 5e-5)}.
     */
    String describe(ConfigSource source, String givenName) {
        return source.where(givenName) + " must be " + expected + ", found " + render(value)
                + " (e.g. " + source.example(givenName) + ")";
    }

    /** A value as the user would write it: strings quoted, lists in brackets. */
    static String render(Object value) {
        if (value instanceof String || value instanceof Path) {
            return "\"" + value + "\"";
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ConfigValueException::render).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream()
                    .map(e -> render(e.getKey()) + ": " + render(e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        return String.valueOf(value);
    }
}
