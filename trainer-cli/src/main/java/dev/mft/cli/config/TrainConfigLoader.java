package dev.mft.cli.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Loads a train config strictly: a JSON file (MFTCoder's format) plus {@code --key value} overrides from the
 * command line, which win over the file. Unknown keys, wrong types, missing required keys, a key set twice (by
 * an alias and its canonical name) and out-of-range values are errors that name the file or option.
 *
 * <p>Relative paths in the file are resolved against the file's folder (so a config and its data can move
 * together); relative paths in overrides against the working directory (as any command-line path).
 */
public final class TrainConfigLoader {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private TrainConfigLoader() {}

    /** A value as given: which key, under which name (maybe an alias), from where. */
    private record Given(ConfigKey key, String name, ConfigSource source, Object value) {}

    /** A false choice flag ({@link Alias#flag}): the key must be set otherwise, and not to this value. */
    private record Negation(ConfigKey key, String name, ConfigSource source, Alias.Not value) {}

    /** Loads {@code json} with {@code overrides} (key or alias to raw text); relative override paths use the cwd. */
    public static TrainConfig load(Path json, Map<String, String> overrides) {
        return load(json, overrides, Path.of(""));
    }

    /**
     * Loads {@code json} with {@code overrides}, resolving relative override paths against {@code workingDir}.
     *
     * @throws ConfigException listing every problem found
     */
    public static TrainConfig load(Path json, Map<String, String> overrides, Path workingDir) {
        ConfigSource file = ConfigSource.file(json);
        ConfigSource commandLine = ConfigSource.commandLine(workingDir);
        List<String> problems = new ArrayList<>();
        List<Negation> negations = new ArrayList<>();
        Map<String, JsonNode> fields = fields(readObject(json));
        Map<String, Given> merged = collect(file, fields, problems, negations);
        merged.putAll(collect(commandLine, overrides, problems, negations));
        checkNegations(negations, merged, problems);
        // A key given with a bad value is reported as bad, not also as missing.
        List<ConfigKey> missing = ConfigKeys.all().stream()
                .filter(key -> key.required() && !givesKey(fields.keySet(), key) && !givesKey(overrides.keySet(), key))
                .toList();
        if (!missing.isEmpty()) {
            problems.add(missingMessage(file, missing));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        merged.forEach((name, given) -> values.put(name, given.value()));
        try {
            return TrainConfigBinder.bind(new ConfigValues(values));
        } catch (ConfigValueException e) {
            Optional<Given> given = ConfigKeys.find(e.key()).map(key -> merged.get(key.name()));
            // A rule can trip over a default the user never wrote; then the file is the only place to fix it.
            String message = given.map(g -> e.describe(g.source(), g.name()))
                    .orElse(file.label() + ": " + e.getMessage());
            throw new ConfigException(List.of(message));
        }
    }

    /**
     * Turns {@code --key value}, {@code --key=value} and, for bool keys, a bare {@code --key} (= true) into the
     * overrides map {@link #load} takes.
     *
     * @throws ConfigException for unknown keys (with the nearest key), missing values, stray words, repeats
     */
    public static Map<String, String> parseOverrides(String... args) {
        ConfigSource commandLine = ConfigSource.commandLine(Path.of(""));
        Map<String, String> overrides = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                problems.add("unexpected argument '" + arg + "'; config overrides are --key value or --key=value");
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            String value = eq < 0 ? null : arg.substring(eq + 1);
            boolean nextIsValue = i + 1 < args.length && !args[i + 1].startsWith("--");
            Optional<ConfigKey> key = ConfigKeys.find(name);
            if (key.isEmpty()) {
                problems.add(commandLine.unknown(name));
                // Skip its value too, or it would be reported again as a stray word.
                i += value == null && nextIsValue ? 1 : 0;
                continue;
            }
            if (value == null) {
                if (isBool(key.get(), name)) {
                    // A bare flag means true; an explicit true/false after it is its value.
                    boolean explicit = nextIsValue && (args[i + 1].equalsIgnoreCase("true")
                            || args[i + 1].equalsIgnoreCase("false"));
                    value = explicit ? args[++i] : "true";
                } else if (nextIsValue) {
                    value = args[++i];
                } else {
                    problems.add("--" + name + " needs a value (e.g. " + commandLine.example(name) + ")");
                    continue;
                }
            }
            if (overrides.put(name, value) != null) {
                problems.add("--" + name + " is given twice; keep one");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return overrides;
    }

    private static boolean givesKey(Set<String> names, ConfigKey key) {
        return names.stream().anyMatch(name -> ConfigKeys.find(name).filter(key::equals).isPresent());
    }

    private static boolean isBool(ConfigKey key, String name) {
        Alias alias = key.alias(name);
        return (alias != null ? alias.type() : key.type()) == ValueType.BOOL;
    }

    /** Each entry is a key or alias to a JSON node (file) or raw text (command line). */
    private static Map<String, Given> collect(ConfigSource source, Map<String, ?> entries, List<String> problems,
            List<Negation> negations) {
        Map<String, Given> byKey = new LinkedHashMap<>();
        for (Map.Entry<String, ?> entry : entries.entrySet()) {
            String name = entry.getKey();
            Optional<ConfigKey> key = ConfigKeys.find(name);
            if (key.isEmpty()) {
                problems.add(source.unknown(name));
                continue;
            }
            Object value;
            try {
                value = convert(key.get(), name, entry.getValue(), source);
            } catch (ValueType.ValueTypeException e) {
                problems.add(source.where(name) + " must be " + e.expected + ", found " + e.found
                        + " (e.g. " + source.example(name) + ")");
                continue;
            } catch (ConfigValueException e) {
                problems.add(e.describe(source, name));
                continue;
            }
            if (value instanceof Alias.Not not) {
                negations.add(new Negation(key.get(), name, source, not));
                continue;
            }
            Given previous = byKey.put(key.get().name(), new Given(key.get(), name, source, value));
            if (previous != null) {
                problems.add(setTwiceMessage(source, key.get(), previous.name(), name));
            }
        }
        return byKey;
    }

    private static Object convert(ConfigKey key, String name, Object raw, ConfigSource source) {
        Alias alias = key.alias(name);
        ValueType type = alias != null ? alias.type() : key.type();
        boolean isNull = raw instanceof JsonNode node ? node.isNull() : "null".equals(((String) raw).trim());
        // null passes through a plain rename; a mapping alias (bf16, warmup_ratio ...) has no null meaning.
        boolean rename = alias == null || alias.note().isEmpty();
        if (isNull && key.nullable() && rename) {
            return null;
        }
        if (isNull && raw instanceof JsonNode) {
            throw new ValueType.ValueTypeException(type.expected(), "null");
        }
        Object value = raw instanceof JsonNode node ? type.fromJson(node) : type.fromText((String) raw);
        if (alias != null) {
            value = alias.toCanonical().apply(value);
            if (value instanceof Alias.Not) {
                return value;
            }
        }
        if (!key.choices().isEmpty() && !key.choices().contains(value)) {
            throw new ConfigValueException(name, value, "one of " + String.join(", ", key.choices()));
        }
        return resolvePaths(key.type(), value, source);
    }

    private static Object resolvePaths(ValueType type, Object value, ConfigSource source) {
        if (type == ValueType.PATH) {
            return source.resolve((Path) value);
        }
        if (type == ValueType.PATH_LIST) {
            return ((List<?>) value).stream().map(p -> source.resolve((Path) p)).toList();
        }
        return value;
    }

    private static JsonNode readObject(Path json) {
        if (!Files.isRegularFile(json)) {
            throw new ConfigException(List.of("train config not found: " + json.toAbsolutePath()));
        }
        JsonNode root;
        try {
            root = JSON.readTree(json.toFile());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(List.of(json + where + ": invalid JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(List.of("cannot read train config " + json + ": " + e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            String found = root == null ? "an empty file" : ValueType.describe(root);
            throw new ConfigException(List.of(json + ": a train config is a JSON object {...}, found " + found));
        }
        return root;
    }

    private static Map<String, JsonNode> fields(JsonNode root) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            fields.put(field.getKey(), field.getValue());
        }
        return fields;
    }

    /** A false flag needs a true one (or the key) to choose, and must not contradict the choice. */
    private static void checkNegations(List<Negation> negations, Map<String, Given> merged, List<String> problems) {
        for (Negation n : negations) {
            Given chosen = merged.get(n.key().name());
            String flags = n.key().aliases().stream().map(Alias::name).collect(Collectors.joining(", "));
            if (chosen == null) {
                problems.add(n.source().where(n.name()) + " is false and nothing else chooses '" + n.key().name()
                        + "'; set exactly one of " + flags + " to true (or set '" + n.key().name() + "')");
            } else if (n.value().value().equals(chosen.value())) {
                problems.add(n.source().where(n.name()) + " is false but " + chosen.source().where(chosen.name())
                        + " chooses \"" + chosen.value() + "\"; keep one");
            }
        }
    }

    private static String setTwiceMessage(ConfigSource source, ConfigKey key, String first, String second) {
        return source.label() + " sets '" + key.name() + "' twice: as " + source.named(first) + " and as "
                + source.named(second) + "; keep one";
    }

    private static String missingMessage(ConfigSource file, List<ConfigKey> missing) {
        String names = missing.stream().map(ConfigKey::name).collect(Collectors.joining(", "));
        String examples = missing.stream().map(key -> file.example(key.name())).collect(Collectors.joining(", "));
        return "missing required key(s) " + names + " in " + file.label() + " (e.g. " + examples
                + "); set them in the file or pass them as --key value";
    }
}
