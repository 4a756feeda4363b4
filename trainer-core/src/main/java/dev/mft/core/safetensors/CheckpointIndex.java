package dev.mft.core.safetensors;

import static dev.mft.core.safetensors.SafetensorsFormatException.mismatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The HF {@code model.safetensors.index.json}: {@code {"metadata": {"total_size": N}, "weight_map":
 * {"tensor": "model-00001-of-00002.safetensors", ...}}}. Written as transformers writes it ({@code
 * json.dumps(index, indent=2, sort_keys=True) + "\n"}), so the files diff cleanly.
 */
final class CheckpointIndex {
  private static final Set<String> TOP_LEVEL_KEYS = Set.of("metadata", "weight_map");

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .enable(JsonWriteFeature.ESCAPE_NON_ASCII) // Python's ensure_ascii default
          .build();

  private CheckpointIndex() {}

  /** The index text for {@code plan}. */
  static String encode(ShardPlan plan) {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("metadata").put("total_size", plan.totalSize());
    ObjectNode weightMap = root.putObject("weight_map");
    plan.weightMap().forEach(weightMap::put);
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    printer.indentObjectsWith(indenter);
    try {
      return JSON.writer(printer).writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("serializing a tree of strings cannot fail", e);
    }
  }

  /**
   * Reads the {@code weight_map} of {@code indexFile}, in file order.
   *
   * @throws SafetensorsFormatException naming the index file and the key at fault
   */
  static Map<String, String> readWeightMap(Path indexFile) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(indexFile));
    } catch (JsonProcessingException e) {
      throw new SafetensorsFormatException(
          indexFile, null, "not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw mismatch(
          indexFile, null, "index", root == null ? "empty" : root.getNodeType(), "an object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!TOP_LEVEL_KEYS.contains(key)) {
        throw mismatch(indexFile, null, "unknown top-level key", key, TOP_LEVEL_KEYS);
      }
    }
    checkMetadata(indexFile, root.get("metadata"));
    JsonNode weightMap = root.get("weight_map");
    if (weightMap == null || !weightMap.isObject()) {
      throw mismatch(
          indexFile,
          null,
          "weight_map",
          weightMap == null ? "missing" : weightMap.getNodeType(),
          "an object of tensor name -> file name");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode file = e.getValue();
      if (!file.isTextual() || !isPlainFileName(file.textValue())) {
        throw mismatch(
            indexFile, e.getKey(), "weight_map file", file, "a file name inside the folder");
      }
      map.put(e.getKey(), file.textValue());
    }
    return map;
  }

  /**
   * {@code metadata} is optional and may hold other keys; a {@code total_size} must be a size (any
   * JSON number: it is informative only, so a writer that emitted 1.6e10 is not an error).
   */
  private static void checkMetadata(Path indexFile, JsonNode metadata)
      throws SafetensorsFormatException {
    if (metadata == null) {
      return;
    }
    if (!metadata.isObject()) {
      throw mismatch(indexFile, null, "metadata", metadata.getNodeType(), "an object");
    }
    JsonNode total = metadata.get("total_size");
    if (total != null && !(total.isNumber() && total.asDouble() >= 0)) {
      throw mismatch(indexFile, null, "metadata.total_size", total, "a non-negative number");
    }
  }

  /** Rejects paths so a crafted index cannot point outside its folder. */
  private static boolean isPlainFileName(String name) {
    return !name.isEmpty()
        && !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('\\') < 0
        && name.indexOf('\0') < 0;
  }
}
