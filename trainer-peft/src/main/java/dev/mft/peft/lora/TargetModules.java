package dev.mft.peft.lora;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which linear layers get adapters, matched as HF PEFT matches {@code target_modules}: a list of names selects a
 * module whose full name equals a name or ends with "." + name; a regex must match the whole module name;
 * all-linear selects every linear layer but the output head (which the model never builds through the factory).
 */
public sealed interface TargetModules permits TargetModules.Names, TargetModules.Regex, TargetModules.AllLinear {
    /** HF PEFT's spelling of "every linear layer". */
    String ALL_LINEAR = "all-linear";

    /** Whether the module (full HF name, e.g. {@code model.layers.0.self_attn.q_proj}) gets an adapter. */
    boolean matches(String module);

    /** MFTCoder's default for llama, mistral and qwen2: every attention and MLP projection. */
    static TargetModules defaultFor(String modelType) {
        return new Names(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"));
    }

    /** Module-name suffixes, e.g. {@code q_proj}. */
    record Names(List<String> names) implements TargetModules {
        public Names {
            names = List.copyOf(names);
            if (names.isEmpty() || names.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException("target_modules needs at least one non-empty name, got " + names);
            }
        }

        @Override
        public boolean matches(String module) {
            return names.stream().anyMatch(n -> module.equals(n) || module.endsWith("." + n));
        }

        @Override
        public String toString() {
            return names.stream().map(n -> "\"" + n + "\"").toList().toString();
        }
    }

    /** A regex over the full module name. */
    record Regex(String pattern) implements TargetModules {
        public Regex {
            Pattern.compile(pattern); // fails early with the regex error
        }

        @Override
        public boolean matches(String module) {
            return Pattern.matches(pattern, module);
        }

        @Override
        public String toString() {
            return "\"" + pattern + "\"";
        }
    }

    /** Every linear layer except the output head. */
    record AllLinear() implements TargetModules {
        @Override
        public boolean matches(String module) {
            return true;
        }

        @Override
        public String toString() {
            return "\"" + ALL_LINEAR + "\"";
        }
    }
}
