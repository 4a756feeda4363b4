package dev.mft.cli.config;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Another name for a config key (usually the FastChat / HF spelling), with its own type and the mapping of its
 * value to the canonical key's value.
 *
 * @param name the alias as users type it, e.g. {@code "bf16"}
 * @param type the alias's own JSON type
 * @param toCanonical maps a value of {@code type} to the canonical key's value; throws
 *     {@link ConfigValueException} for a value that has no canonical meaning
 * @param note how the value maps, for the reference (empty for a plain rename)
 * @param example a JSON literal for error messages, or {@code null} to use the canonical key's example
 */
public record Alias(String name, ValueType type, UnaryOperator<Object> toCanonical, String note, String example) {

    public Alias {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(toCanonical, "toCanonical");
        Objects.requireNonNull(note, "note");
    }

    /** A plain rename: same type, same value. */
    static Alias rename(String name, ValueType type) {
        return new Alias(name, type, UnaryOperator.identity(), "", null);
    }

    /**
     * One of several boolean flags that each choose a value of the key (FastChat's {@code efficient_loss},
     * {@code last_response_loss}, {@code split_example_loss}): true sets the key to {@code choice}; false says
     * "not this one", which the loader accepts only when another flag (or the key) makes the choice.
     */
    static Alias flag(String name, String choice) {
        return new Alias(name, ValueType.BOOL, v -> (Boolean) v ? choice : new Not(choice),
                "true -> \"" + choice + "\"", "true");
    }

    /** What a false {@link #flag} stands for: the key is anything but {@code value}. */
    record Not(String value) {}
}
