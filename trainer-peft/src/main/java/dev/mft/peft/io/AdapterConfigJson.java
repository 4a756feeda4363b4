package dev.mft.peft.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.TargetModules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * HF PEFT's {@code adapter_config.json} for a LoRA adapter: written with the fields PEFT's LoraConfig reads (every
 * other field keeps PEFT's default), and read back refusing the LoRA variants mft does not implement, by field name.
 */
final class AdapterConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterConfigJson() {}

    /** A read adapter_config.json. */
    record Parsed(LoraConfig config, String baseModel) {}

    /**
     * @param adaptedModules full names of the modules that got adapters (all-linear is saved as their suffixes,
     *     as PEFT saves it after resolving)
     */
    static ObjectNode toJson(LoraConfig c, String baseModel, Collection<String> adaptedModules) {
        ObjectNode n = JSON.createObjectNode();
        n.put("peft_type", "LORA");
        n.put("task_type", "CAUSAL_LM");
        n.put("base_model_name_or_path", baseModel);
        n.put("r", c.rank());
        putNumber(n, "lora_alpha", c.alpha());
        n.put("lora_dropout", c.dropout());
        if (c.targets() instanceof TargetModules.Regex regex) {
            n.put("target_modules", regex.pattern());
        } else {
            ArrayNode list = n.putArray("target_modules");
            List<String> names = c.targets() instanceof TargetModules.Names given ? given.names()
                    : new ArrayList<>(suffixes(adaptedModules));
            names.forEach(list::add);
        }
        n.put("bias", "none");
        n.put("fan_in_fan_out", false);
        n.putNull("modules_to_save");
        n.put("use_rslora", c.rsLora());
        n.put("use_dora", false);
        n.put("init_lora_weights", true);
        n.putNull("layers_to_transform");
        n.putNull("layers_pattern");
        n.putObject("rank_pattern");
        n.putObject("alpha_pattern");
        n.put("inference_mode", true);
        return n;
    }

    private static TreeSet<String> suffixes(Collection<String> modules) {
        TreeSet<String> out = new TreeSet<>();
        for (String m : modules) {
            out.add(m.substring(m.lastIndexOf('.') + 1));
        }
        return out;
    }

    private static void putNumber(ObjectNode n, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            n.put(key, (long) v); // PEFT's field is an int; keep it one when it is whole
        } else {
            n.put(key, v);
        }
    }

    static Parsed parse(JsonNode n, Path file) {
        String peftType = n.path("peft_type").asText("");
        if (!peftType.equals("LORA")) {
            throw new AdapterFormatException(file + ": peft_type \"" + peftType + "\"; mft reads LoRA adapters"
                    + " (peft_type \"LORA\") only");
        }
        refuseIf(n, file, "use_dora", v -> v.asBoolean(false), "DoRA adapters are not supported");
        refuseIf(n, file, "lora_bias", v -> v.asBoolean(false), "LoRA biases are not supported");
        refuseIf(n, file, "fan_in_fan_out", v -> v.asBoolean(false), "Conv1D-style (GPT-2) weights are not supported");
        refuseIf(n, file, "bias", v -> !v.isNull() && !v.asText().equals("none"), "only \"none\" is supported");
        refuseIf(n, file, "modules_to_save", v -> !v.isNull() && !v.isEmpty(), "fully trained extra modules are not"
                + " supported");
        refuseIf(n, file, "rank_pattern", v -> !v.isNull() && !v.isEmpty(), "per-module ranks are not supported");
        refuseIf(n, file, "alpha_pattern", v -> !v.isNull() && !v.isEmpty(), "per-module alphas are not supported");
        refuseIf(n, file, "layers_to_transform", v -> !v.isNull(), "layer subsets are not supported (use a"
                + " target_modules regex)");
        JsonNode r = n.path("r");
        JsonNode alpha = n.path("lora_alpha");
        if (!r.canConvertToInt() || !r.isIntegralNumber() || !alpha.isNumber()) {
            throw new AdapterFormatException(file + ": needs an integer \"r\" and a number \"lora_alpha\", found r="
                    + r + ", lora_alpha=" + alpha);
        }
        try {
            LoraConfig c = new LoraConfig(r.asInt(), alpha.asDouble(), n.path("lora_dropout").asDouble(0),
                    n.path("use_rslora").asBoolean(false), targets(n.path("target_modules"), file));
            return new Parsed(c, n.path("base_model_name_or_path").asText(null));
        } catch (IllegalArgumentException e) {
            throw e instanceof AdapterFormatException ? e : new AdapterFormatException(file + ": " + e.getMessage());
        }
    }

    private static TargetModules targets(JsonNode t, Path file) {
        if (t.isTextual()) {
            return t.asText().equals(TargetModules.ALL_LINEAR) ? new TargetModules.AllLinear()
                    : new TargetModules.Regex(t.asText());
        }
        if (t.isArray()) {
            List<String> names = new ArrayList<>();
            t.forEach(x -> names.add(x.asText()));
            return new TargetModules.Names(names);
        }
        throw new AdapterFormatException(file + ": target_modules must be a list of module names or a regex, found "
                + t);
    }

    private static void refuseIf(JsonNode n, Path file, String key, java.util.function.Predicate<JsonNode> bad,
            String why) {
        JsonNode v = n.get(key);
        if (v != null && bad.test(v)) {
            throw new AdapterFormatException(file + ": " + key + " " + v + ": " + why);
        }
    }
}
