package dev.mft.cli.config;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which linear layers get LoRA adapters ({@code target_modules}), read as HF PEFT reads it: a list names module
 * suffixes, {@code "all-linear"} means every linear layer but the output head, any other string is a regex that must
 * match a module's full name. Unset means the model family's default list.
 */
public sealed interface TargetModules
        permits TargetModules.ModelDefault, TargetModules.Names, TargetModules.Regex, TargetModules.AllLinear {
    String KEY = "target_modules";
    String ALL_LINEAR = "all-linear";

    /** Reads the config value: {@code null}, a list of names, or a string. */
    static TargetModules of(Object value) {
        if (value == null) {
            return new ModelDefault();
        }
        if (value instanceof List<?> names) {
            return new Names(names.stream().map(String::valueOf).toList());
        }
        String text = (String) value;
        return text.equals(ALL_LINEAR) ? new AllLinear() : new Regex(text);
    }

    /** The model family's default (MFTCoder: q, k, v, o, gate, up, down projections for Llama-family models). */
    record ModelDefault() implements TargetModules {}

    /** Module name suffixes, e.g. {@code q_proj}. */
    record Names(List<String> names) implements TargetModules {
        public Names {
            names = List.copyOf(names);
            Checks.check(!names.isEmpty(), KEY, names, "at least one module name");
            Checks.check(names.stream().noneMatch(String::isBlank), KEY, names, "non-empty module names");
        }
    }

    /** A regex matched against each module's full name. */
    record Regex(String pattern) implements TargetModules {
        public Regex {
            Checks.nonBlank(KEY, pattern);
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new ConfigValueException(KEY, pattern,
                        "a list of module names, \"all-linear\" or a valid regex (" + e.getDescription() + ")");
            }
        }
    }

    /** Every linear layer except the output head. */
    record AllLinear() implements TargetModules {}
}
