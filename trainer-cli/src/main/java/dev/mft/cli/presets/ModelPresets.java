package dev.mft.cli.presets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Built-in model shapes for {@code mft init-model --config <preset>}, or a config.json path. */
public final class ModelPresets {
    /** Preset names, each a resource presets/NAME.json. */
    public static final List<String> NAMES = List.of("demo-tiny", "bench-19m", "qwen2-tiny", "qwen2-0.5b");

    private ModelPresets() {}

    /** The architecture JSON of a preset name or of a config.json file. */
    public static ObjectNode resolve(String presetOrPath) throws IOException {
        ObjectMapper json = new ObjectMapper();
        if (NAMES.contains(presetOrPath)) {
            try (InputStream in = ModelPresets.class.getResourceAsStream("/presets/" + presetOrPath + ".json")) {
                return (ObjectNode) json.readTree(in);
            }
        }
        Path p = Path.of(presetOrPath);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("--config '" + presetOrPath + "' is neither a preset " + NAMES
                    + " nor a config.json file");
        }
        JsonNode n = json.readTree(p.toFile());
        if (!(n instanceof ObjectNode)) {
            throw new IllegalArgumentException(p + ": expected a JSON object (a HF config.json)");
        }
        return (ObjectNode) n;
    }
}
