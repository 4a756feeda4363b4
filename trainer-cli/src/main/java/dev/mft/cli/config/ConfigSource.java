package dev.mft.cli.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where config values came from (the JSON file or the command line): how messages name a key there, how an
 * example looks there, and which folder relative paths there are resolved against.
 *
 * @param label the file as the user named it (unused for the command line)
 * @param baseDir the folder relative paths are resolved against
 * @param commandLine whether values are {@code --key value} options rather than JSON fields
 */
record ConfigSource(String label, Path baseDir, boolean commandLine) {

    /** Formats examples as JSON fields where no real source is known (records built in code). */
    static final ConfigSource JSON_EXAMPLE = new ConfigSource("the train config", Path.of(""), false);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The config file; its relative paths are relative to its own folder. */
    static ConfigSource file(Path file) {
        Path parent = file.toAbsolutePath().normalize().getParent();
        return new ConfigSource(file.toString(), parent, false);
    }

    /** Command-line overrides; their relative paths are relative to the working directory. */
    static ConfigSource commandLine(Path workingDir) {
        return new ConfigSource("the command line", workingDir.toAbsolutePath().normalize(), true);
    }

    /** A key as a user finds it here: {@code 'seq_length' in x.json} or {@code --seq_length}. */
    String where(String name) {
        return commandLine ? named(name) : named(name) + " in " + label;
    }

    /** A key as written here: {@code 'seq_length'} or {@code --seq_length}. */
    String named(String name) {
        return commandLine ? "--" + name : "'" + name + "'";
    }

    /** The message for a name that is no key, with the nearest key as a hint when one is near. */
    String unknown(String name) {
        String hint = ConfigKeys.suggest(name)
                .map(near -> "; did you mean '" + (commandLine ? "--" : "") + near + "'?")
                .orElse("; docs/configuration.md lists the accepted keys");
        return commandLine ? "unknown option '--" + name + "'" + hint : "unknown key '" + name + "' in " + label + hint;
    }

    /** An example setting of {@code name} (a key or alias) written the way this source writes it. */
    String example(String name) {
        String json = ConfigKeys.exampleJson(name);
        return commandLine ? "--" + name + " " + asOptionText(json) : "\"" + name + "\": " + json;
    }

    /** Resolves a path value given here; absolute paths stay as they are. */
    Path resolve(Path path) {
        return baseDir.resolve(path).normalize();
    }

    /** JSON literal to what a user types after {@code --key}: strings unquoted, lists as [a,b]. */
    private static String asOptionText(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node.isTextual()) {
                return node.textValue();
            }
            if (node.isArray()) {
                List<String> parts = new ArrayList<>();
                node.forEach(n -> parts.add(n.asText()));
                return "[" + String.join(",", parts) + "]";
            }
            return json;
        } catch (JsonProcessingException e) {
            return json;
        }
    }
}
