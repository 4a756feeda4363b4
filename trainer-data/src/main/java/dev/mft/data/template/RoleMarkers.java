package dev.mft.data.template;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The three texts MFTCoder writes before each role's content.
 *
 * @param system written before the system message
 * @param user written before each user turn
 * @param assistant written after each user turn, i.e. right before the reply it prompts
 */
public record RoleMarkers(String system, String user, String assistant) {

    /** MFTCoder's defaults: {@code <s>system\n}, {@code <s>human\n}, {@code <s>bot\n}. */
    public static final RoleMarkers MFTCODER = new RoleMarkers("<s>system\n", "<s>human\n", "<s>bot\n");

    private static final Set<String> KEYS = Set.of("system", "user", "assistant");

    public RoleMarkers {
        Objects.requireNonNull(system, "role_markers.system");
        Objects.requireNonNull(user, "role_markers.user");
        Objects.requireNonNull(assistant, "role_markers.assistant");
    }

    /**
     * The config key {@code role_markers}: null means the MFTCoder defaults; otherwise exactly the
     * keys system, user and assistant.
     */
    public static RoleMarkers fromConfig(Map<String, String> roleMarkers) {
        if (roleMarkers == null) {
            return MFTCODER;
        }
        Set<String> unknown = new TreeSet<>(roleMarkers.keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("role_markers has unknown key(s) " + unknown
                    + "; expected exactly system, user, assistant (or role_markers null for the defaults)");
        }
        for (String key : new TreeSet<>(KEYS)) {
            if (roleMarkers.get(key) == null) {
                throw new IllegalArgumentException("role_markers." + key + " is missing; expected all of"
                        + " system, user, assistant, e.g. {\"system\": \"<s>system\\n\", \"user\":"
                        + " \"<s>human\\n\", \"assistant\": \"<s>bot\\n\"}");
            }
        }
        return new RoleMarkers(roleMarkers.get("system"), roleMarkers.get("user"), roleMarkers.get("assistant"));
    }
}
