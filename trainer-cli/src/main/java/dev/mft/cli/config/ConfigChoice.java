package dev.mft.cli.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** An enum constant that a config key names by a string (e.g. {@code "constant_with_warmup"}). */
public interface ConfigChoice {

    /** The spelling in the config file; {@code null} for the constant a JSON {@code null} selects. */
    default String configName() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT);
    }

    /** The spellings a key of this enum accepts, in declaration order (the null constant left out). */
    static <E extends Enum<E> & ConfigChoice> List<String> names(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            if (constant.configName() != null) {
                names.add(constant.configName());
            }
        }
        return List.copyOf(names);
    }

    /** The constant spelled {@code name} ({@code null} selects the null constant). */
    static <E extends Enum<E> & ConfigChoice> E parse(Class<E> type, String key, String name) {
        for (E constant : type.getEnumConstants()) {
            if (Objects.equals(constant.configName(), name)) {
                return constant;
            }
        }
        throw new ConfigValueException(key, name, "one of " + String.join(", ", names(type)));
    }
}
