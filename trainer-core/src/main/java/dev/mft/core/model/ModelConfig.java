package dev.mft.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The architecture of a HF Llama-family model ({@code llama}, {@code mistral}, {@code qwen2}) read from its
 * {@code config.json}. The original JSON is kept so a saved model carries every field it came with.
 */
public record ModelConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double ropeTheta,
        RopeScaling ropeScaling,
        double rmsNormEps,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        int maxPositionEmbeddings,
        ObjectNode json) {

    /** The model types this implementation covers (same decoder, different defaults). */
    public static final Set<String> SUPPORTED_TYPES = Set.of("llama", "mistral", "qwen2");

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        if (!SUPPORTED_TYPES.contains(modelType)) {
            throw new IllegalArgumentException("model_type '" + modelType + "' is not supported; expected one of "
                    + SUPPORTED_TYPES);
        }
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        }
    }

    /** Reads and validates {@code <dir>/config.json}; errors name the file and the key. */
    public static ModelConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null,
                    "no config.json: is " + modelDir + " a HuggingFace model folder?");
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object");
        }
        try {
            return fromJson((ObjectNode) root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Builds a config from HF config.json content, with each family's HF defaults. */
    public static ModelConfig fromJson(ObjectNode root) {
        String type = text(root, "model_type");
        int hidden = requiredInt(root, "hidden_size");
        int heads = requiredInt(root, "num_attention_heads");
        int kvHeads = root.hasNonNull("num_key_value_heads") ? root.get("num_key_value_heads").asInt() : heads;
        int headDim = root.hasNonNull("head_dim") ? root.get("head_dim").asInt() : hidden / heads;
        if (!root.hasNonNull("head_dim") && hidden % heads != 0) {
            throw new IllegalArgumentException("hidden_size (" + hidden + ") is not divisible by num_attention_heads ("
                    + heads + ") and no head_dim is given");
        }
        boolean qwen2 = "qwen2".equals(type);
        boolean attentionBias = root.path("attention_bias").asBoolean(false);
        double defaultTheta = "mistral".equals(type) ? 1_000_000.0 : 10_000.0;
        return new ModelConfig(
                type,
                requiredInt(root, "vocab_size"),
                hidden,
                requiredInt(root, "intermediate_size"),
                requiredInt(root, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                root.path("rope_theta").asDouble(defaultTheta),
                ropeScaling(root.get("rope_scaling")),
                root.path("rms_norm_eps").asDouble(1e-6),
                root.path("tie_word_embeddings").asBoolean(false),
                qwen2 || attentionBias, // Qwen2 always has q/k/v biases
                !qwen2 && attentionBias, // llama's attention_bias also puts a bias on o_proj
                root.path("mlp_bias").asBoolean(false),
                root.path("max_position_embeddings").asInt(4096),
                root.deepCopy());
    }

    private static RopeScaling ropeScaling(JsonNode node) {
        if (node == null || node.isNull()) {
            return new RopeScaling.None();
        }
        String type = node.hasNonNull("rope_type") ? node.get("rope_type").asText() : node.path("type").asText("");
        switch (type) {
            case "default":
                return new RopeScaling.None();
            case "linear":
                return new RopeScaling.Linear(requiredDouble(node, "factor"));
            case "llama3":
                return new RopeScaling.Llama3(requiredDouble(node, "factor"), requiredDouble(node, "low_freq_factor"),
                        requiredDouble(node, "high_freq_factor"),
                        requiredInt((ObjectNode) node, "original_max_position_embeddings"));
            default:
                throw new IllegalArgumentException("rope_scaling type '" + type
                        + "' is not supported; expected null, default, linear or llama3");
        }
    }

    /** Number of query heads sharing one key/value head. */
    public int groupSize() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** The config.json to write with a saved model (the original fields, with torch_dtype set). */
    public ObjectNode jsonForSave(String torchDtype) {
        ObjectNode out = json.deepCopy();
        out.put("torch_dtype", torchDtype);
        return out;
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }

    private static String text(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("missing or non-string key '" + key + "'");
        }
        return n.asText();
    }

    private static int requiredInt(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new IllegalArgumentException("missing or non-integer key '" + key + "'");
        }
        return n.asInt();
    }

    private static double requiredDouble(JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isNumber()) {
            throw new IllegalArgumentException("missing or non-numeric key 'rope_scaling." + key + "'");
        }
        return n.asDouble();
    }
}
