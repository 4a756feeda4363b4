package dev.mft.cli.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One accepted train-config key: the row of the configuration reference and the rule the loader applies.
 *
 * @param section the concern it belongs to (a section of the reference, a record of {@link TrainConfig})
 * @param name canonical snake_case name
 * @param type its JSON type
 * @param defaultJson its default as a JSON literal ({@code "null"} when none; ignored when required)
 * @param required whether a config must give it
 * @param nullable whether JSON {@code null} is accepted (always for keys whose default is null)
 * @param choices the strings a {@link ValueType#STRING} key accepts; empty = any
 * @param aliases other names that set it
 * @param description one line for the reference
 * @param example a JSON literal used in error messages; the default where not given
 */
public record ConfigKey(
        Section section,
        String name,
        ValueType type,
        String defaultJson,
        boolean required,
        boolean nullable,
        List<String> choices,
        List<Alias> aliases,
        String description,
        String example) {

    private static final Pattern SNAKE = Pattern.compile("[a-z][a-z0-9_]*");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The concerns keys are grouped by, in reference order. */
    public enum Section {
        MODEL("Model"),
        DATA("Data"),
        LOSS("Multi-task loss weighting"),
        PEFT("PEFT (LoRA / QLoRA)"),
        OPTIM("Optimizer (AdamW)"),
        SCHEDULE("Batches and schedule"),
        CHECKPOINT("Checkpoints and resume"),
        EVAL("Evaluation and early stopping"),
        LOGGING("Logging"),
        RUNTIME("Runtime"),
        DISTRIBUTED("Distributed");

        private final String title;

        Section(String title) {
            this.title = title;
        }

        /** The heading in the reference. */
        public String title() {
            return title;
        }
    }

    public ConfigKey {
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        if (name == null || !SNAKE.matcher(name).matches()) {
            throw new IllegalArgumentException("config key name must be snake_case, found " + name);
        }
        choices = List.copyOf(choices);
        aliases = List.copyOf(aliases);
        defaultJson = required ? "null" : Objects.requireNonNull(defaultJson, "defaultJson");
        nullable = nullable || (!required && defaultJson.equals("null"));
        example = example != null ? example : defaultJson;
        // The table is code: a default that its own type rejects is a bug to catch at class load, not at a user.
        Object dflt = parseLiteral(type, defaultJson, name);
        if (dflt != null && !choices.isEmpty() && !choices.contains(dflt)) {
            throw new IllegalArgumentException(name + ": default " + defaultJson + " is not one of " + choices);
        }
        if (required && example.equals("null")) {
            throw new IllegalArgumentException(name + ": a required key needs an example");
        }
        parseLiteral(type, example, name);
    }

    /** An optional key with a default. */
    static ConfigKey of(Section section, String name, ValueType type, String defaultJson, String description) {
        return new ConfigKey(section, name, type, defaultJson, false, false, List.of(), List.of(), description, null);
    }

    /** A required key; {@code example} shows a typical value. */
    static ConfigKey required(Section section, String name, ValueType type, String example, String description) {
        return new ConfigKey(section, name, type, null, true, false, List.of(), List.of(), description, example);
    }

    /** The same key, also set by these aliases. */
    ConfigKey withAliases(Alias... more) {
        List<Alias> all = new ArrayList<>(aliases);
        all.addAll(List.of(more));
        return new ConfigKey(section, name, type, defaultJson, required, nullable, choices, all, description, example);
    }

    /** The same key, restricted to these strings. */
    ConfigKey withChoices(List<String> allowed) {
        return new ConfigKey(section, name, type, defaultJson, required, nullable, allowed, aliases, description, example);
    }

    /** The same key, also accepting JSON {@code null}. */
    ConfigKey withNull() {
        return new ConfigKey(section, name, type, defaultJson, required, true, choices, aliases, description, example);
    }

    /** The same key with another example for error messages. */
    ConfigKey withExample(String exampleJson) {
        return new ConfigKey(section, name, type, defaultJson, required, nullable, choices, aliases, description, exampleJson);
    }

    /** The default as a Java value of {@link #type} ({@code null} when none). */
    public Object defaultValue() {
        return parseLiteral(type, defaultJson, name);
    }

    /** The alias called {@code aliasName}, or {@code null}. */
    Alias alias(String aliasName) {
        for (Alias alias : aliases) {
            if (alias.name().equals(aliasName)) {
                return alias;
            }
        }
        return null;
    }

    static Object parseLiteral(ValueType type, String json, String key) {
        try {
            JsonNode node = JSON.readTree(json);
            return node.isNull() ? null : type.fromJson(node);
        } catch (JsonProcessingException | ValueType.ValueTypeException e) {
            throw new IllegalArgumentException(key + ": literal " + json + " is not " + type.expected(), e);
        }
    }
}
