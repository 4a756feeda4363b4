package dev.mft.cli.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The value of every canonical key after the file, the overrides and the defaults are merged; typed getters for
 * the binder. Records which keys were read so a test can prove no key of the table is dropped on the floor.
 */
final class ConfigValues {
    private final Map<String, Object> values;
    private final Set<String> read = new LinkedHashSet<>();

    /** {@code given}: canonical name to value for the keys the user set; defaults fill the rest. */
    ConfigValues(Map<String, Object> given) {
        values = new HashMap<>();
        for (ConfigKey key : ConfigKeys.all()) {
            values.put(key.name(), given.containsKey(key.name()) ? given.get(key.name()) : key.defaultValue());
        }
    }

    Set<String> readKeys() {
        return Set.copyOf(read);
    }

    Object raw(String name) {
        ConfigKeys.get(name);
        read.add(name);
        return values.get(name);
    }

    String string(String name) {
        return (String) raw(name);
    }

    int integer(String name) {
        return (Integer) Checks.present(name, raw(name));
    }

    OptionalInt optionalInt(String name) {
        Integer value = (Integer) raw(name);
        return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }

    double number(String name) {
        return (Double) Checks.present(name, raw(name));
    }

    boolean bool(String name) {
        return (Boolean) Checks.present(name, raw(name));
    }

    Path path(String name) {
        return (Path) raw(name);
    }

    Optional<Path> optionalPath(String name) {
        return Optional.ofNullable(path(name));
    }

    /** A list value; null reads as empty. */
    @SuppressWarnings("unchecked")
    <T> List<T> list(String name) {
        List<T> value = (List<T>) raw(name);
        return value == null ? List.of() : value;
    }

    /** A map value; null reads as empty. */
    @SuppressWarnings("unchecked")
    Map<String, String> map(String name) {
        Map<String, String> value = (Map<String, String>) raw(name);
        return value == null ? Map.of() : value;
    }

    <E extends Enum<E> & ConfigChoice> E choice(Class<E> type, String name) {
        return ConfigChoice.parse(type, name, string(name));
    }
}
