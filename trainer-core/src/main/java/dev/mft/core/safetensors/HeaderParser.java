package dev.mft.core.safetensors;

import static dev.mft.core.safetensors.SafetensorsFormatException.mismatch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates a safetensors JSON header against the size of the data region that follows
 * it. The rules are those of the reference implementation (huggingface/safetensors): known dtype,
 * non-negative integer dims, {@code end - begin == product(shape) * dtype size}, and the tensors,
 * sorted by offset, tile the data region exactly (no overlap, no gap, no trailing bytes). Unknown
 * keys inside an entry are rejected too: they would mean a format this reader does not know.
 */
final class HeaderParser {
  static final String METADATA_KEY = "__metadata__";
  private static final List<String> ENTRY_KEYS = List.of("dtype", "shape", "data_offsets");

  /** Duplicate keys inside an entry fail in Jackson; duplicate tensor names are caught below. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  /** The parsed header: tensors in offset order, metadata in header order. */
  record Header(List<StoredTensor> tensors, Map<String, String> metadata) {}

  private final Path file;

  private HeaderParser(Path file) {
    this.file = file;
  }

  static Header parse(Path file, byte[] headerBytes, long dataLength)
      throws SafetensorsFormatException {
    return new HeaderParser(file).parse(headerBytes, dataLength);
  }

  private Header parse(byte[] headerBytes, long dataLength) throws SafetensorsFormatException {
    String text = decodeUtf8(headerBytes);
    List<StoredTensor> tensors = new ArrayList<>();
    Map<String, String> metadata = Map.of();
    Set<String> names = new HashSet<>();
    boolean sawMetadata = false;
    try (JsonParser p = JSON.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw mismatch(file, null, "header is not a JSON object", first, "'{'");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        JsonNode value = p.readValueAsTree();
        if (METADATA_KEY.equals(name)) {
          if (sawMetadata) {
            throw mismatch(file, null, "key " + METADATA_KEY, "2 entries", "at most 1");
          }
          sawMetadata = true;
          metadata = parseMetadata(value);
        } else {
          if (!names.add(name)) {
            throw mismatch(file, name, "duplicate tensor name", "2 entries", "1");
          }
          tensors.add(parseEntry(name, value, dataLength));
        }
      }
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw mismatch(file, null, "content after the header object", trailing, "only spaces");
      }
    } catch (JsonProcessingException e) {
      throw new SafetensorsFormatException(
          file,
          null,
          "header is not valid JSON"
              + (e.getLocation() == null ? "" : " at character " + e.getLocation().getCharOffset())
              + ": "
              + e.getOriginalMessage());
    } catch (SafetensorsFormatException e) {
      throw e;
    } catch (IOException e) {
      // Jackson reads from a String here: any other IOException is a bug, not a bad file
      throw new IllegalStateException(e);
    }
    tensors.sort(
        Comparator.comparingLong(StoredTensor::begin).thenComparingLong(StoredTensor::end));
    checkTiling(tensors, dataLength);
    return new Header(List.copyOf(tensors), Collections.unmodifiableMap(metadata));
  }

  /** Decodes strictly, reporting the offset of the first bad byte (Java's decoder would not). */
  private String decodeUtf8(byte[] bytes) throws SafetensorsFormatException {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never has more chars than bytes
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      throw mismatch(
          file,
          null,
          "header byte " + in.position(),
          String.format("0x%02X (not valid UTF-8)", bytes[in.position()] & 0xFF),
          "UTF-8 text");
    }
    return out.flip().toString();
  }

  private Map<String, String> parseMetadata(JsonNode node) throws SafetensorsFormatException {
    if (!node.isObject()) {
      throw mismatch(file, null, METADATA_KEY, node.getNodeType(), "an object of strings");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw mismatch(
            file, null, METADATA_KEY + " value of '" + e.getKey() + "'", e.getValue(), "a string");
      }
      metadata.put(e.getKey(), e.getValue().textValue());
    }
    return metadata;
  }

  private StoredTensor parseEntry(String name, JsonNode node, long dataLength)
      throws SafetensorsFormatException {
    if (!node.isObject()) {
      throw mismatch(file, name, "entry", node.getNodeType(), "an object");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!ENTRY_KEYS.contains(key)) {
        throw mismatch(file, name, "unknown key", "'" + key + "'", "only " + ENTRY_KEYS);
      }
    }
    SafetensorsDType dtype = parseDType(name, require(name, node, "dtype"));
    long[] shape = parseLongs(name, require(name, node, "shape"), "shape", -1);
    long[] offsets = parseLongs(name, require(name, node, "data_offsets"), "data_offsets", 2);
    long begin = offsets[0];
    long end = offsets[1];
    long byteSize;
    try {
      byteSize = TensorInfo.byteSizeOf(dtype, shape);
    } catch (ArithmeticException e) {
      throw mismatch(
          file, name, "byte size of shape " + Arrays.toString(shape), "overflow", "< 2^63");
    }
    if (begin > end) {
      throw mismatch(file, name, "data_offsets begin", begin + " > end " + end, "begin <= end");
    }
    if (end - begin != byteSize) {
      throw mismatch(
          file,
          name,
          "data_offsets " + Arrays.toString(offsets) + " byte count",
          end - begin,
          byteSize + " (" + dtype + " " + Arrays.toString(shape) + ")");
    }
    if (end > dataLength) {
      throw mismatch(file, name, "data_offsets end past the data region", end, "<= " + dataLength);
    }
    return new StoredTensor(new TensorInfo(name, dtype, shape, byteSize), begin, end);
  }

  private JsonNode require(String name, JsonNode entry, String key)
      throws SafetensorsFormatException {
    JsonNode value = entry.get(key);
    if (value == null) {
      List<String> present = new ArrayList<>();
      entry.fieldNames().forEachRemaining(present::add);
      throw mismatch(file, name, "missing key '" + key + "'", "keys " + present, ENTRY_KEYS);
    }
    return value;
  }

  private SafetensorsDType parseDType(String name, JsonNode node)
      throws SafetensorsFormatException {
    if (!node.isTextual()) {
      throw mismatch(file, name, "dtype", node, "a string");
    }
    return SafetensorsDType.fromHeader(node.textValue())
        .orElseThrow(
            () ->
                mismatch(
                    file, name, "unknown dtype", node.textValue(), SafetensorsDType.knownNames()));
  }

  /** Reads an array of non-negative integers; {@code arity} -1 accepts any length. */
  private long[] parseLongs(String name, JsonNode node, String key, int arity)
      throws SafetensorsFormatException {
    String expected = (arity < 0 ? "" : arity + " ") + "non-negative integers";
    if (!node.isArray() || (arity >= 0 && node.size() != arity)) {
      throw mismatch(file, name, key, node, "an array of " + expected);
    }
    long[] values = new long[node.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw mismatch(file, name, key + "[" + i + "]", v, "a non-negative integer < 2^63");
      }
      values[i] = v.longValue();
    }
    return values;
  }

  /** Sorted by offset, each tensor must start where the previous one ended, as in the reference. */
  private void checkTiling(List<StoredTensor> sorted, long dataLength)
      throws SafetensorsFormatException {
    long cursor = 0;
    String previous = null;
    for (StoredTensor t : sorted) {
      String name = t.info().name();
      if (t.begin() < cursor) {
        throw mismatch(
            file,
            name,
            "data_offsets overlap tensor '" + previous + "'",
            "begin " + t.begin(),
            "begin >= " + cursor);
      }
      if (t.begin() > cursor) {
        throw mismatch(
            file, name, "gap before data_offsets", "begin " + t.begin(), "begin " + cursor);
      }
      cursor = t.end();
      previous = name;
    }
    if (cursor != dataLength) {
      throw mismatch(
          file,
          null,
          "data region not fully covered by tensors",
          (dataLength - cursor) + " trailing bytes after offset " + cursor,
          "tensors ending at " + dataLength);
    }
  }
}
