package dev.mft.core.safetensors;

import static dev.mft.core.safetensors.SafetensorsFormatException.mismatch;

import dev.mft.core.io.ByteChannels;
import dev.mft.core.safetensors.RegionPlan.Region;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated, memory-mapped safetensors file. {@link #open} checks the whole header (see
 * docs/safetensors.md) before anything can be read, so every later access is in bounds.
 *
 * <p>The data region is mapped read-only in pieces of at most 2 GiB cut at tensor boundaries (see
 * {@link RegionPlan}), so files of any size open and every tensor up to 2 GiB is a zero-copy slice.
 * Java cannot unmap a buffer explicitly: the mapping lives as long as any buffer handed out by
 * {@link #data} is reachable, which keeps those buffers valid after {@link #close()}. Instances are
 * immutable and safe to share between threads.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** The reference implementation's limit; a larger length is a corrupt or hostile file. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final int LENGTH_PREFIX_BYTES = 8;

  private final Path path;
  private final long dataStart;
  private final Map<String, Slot> slots; // in offset order
  private final List<String> names;
  private final Map<String, String> metadata;
  private volatile boolean closed;

  /** Where one tensor lives: its region buffer (null if too large to map) and offset in it. */
  private record Slot(StoredTensor tensor, ByteBuffer region, long offsetInRegion) {}

  private SafetensorsFile(
      Path path, long dataStart, Map<String, Slot> slots, Map<String, String> metadata) {
    this.path = path;
    this.dataStart = dataStart;
    this.slots = slots;
    this.names = List.copyOf(slots.keySet());
    this.metadata = metadata;
  }

  /**
   * Opens, validates and maps {@code path}.
   *
   * @throws SafetensorsFormatException if the file breaks the format
   */
  public static SafetensorsFile open(Path path) throws IOException {
    return open(path, Integer.MAX_VALUE);
  }

  /** {@link #open(Path)} with a smaller mapping limit, so tests can exercise the piecewise path. */
  static SafetensorsFile open(Path path, long maxRegionBytes) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long fileSize = channel.size();
      if (fileSize < LENGTH_PREFIX_BYTES) {
        throw mismatch(path, null, "file size", fileSize + " bytes", "at least 8 (header length)");
      }
      long headerLength =
          ByteChannels.readFully(channel, 0, LENGTH_PREFIX_BYTES)
              .order(ByteOrder.LITTLE_ENDIAN)
              .getLong();
      if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
        throw mismatch(
            path,
            null,
            "header length",
            Long.toUnsignedString(headerLength),
            "<= " + MAX_HEADER_BYTES);
      }
      if (headerLength > fileSize - LENGTH_PREFIX_BYTES) {
        throw mismatch(
            path,
            null,
            "header length past the end of the file",
            headerLength,
            "<= " + (fileSize - LENGTH_PREFIX_BYTES) + " (file size " + fileSize + " - 8)");
      }
      byte[] header =
          ByteChannels.readFully(channel, LENGTH_PREFIX_BYTES, (int) headerLength).array();
      long dataStart = LENGTH_PREFIX_BYTES + headerLength;
      HeaderParser.Header parsed = HeaderParser.parse(path, header, fileSize - dataStart);
      return new SafetensorsFile(
          path,
          dataStart,
          map(channel, dataStart, parsed.tensors(), maxRegionBytes),
          parsed.metadata());
    }
  }

  /** Maps each planned region once; a mapping outlives the channel that made it. */
  private static Map<String, Slot> map(
      FileChannel channel, long dataStart, List<StoredTensor> tensors, long maxRegionBytes)
      throws IOException {
    RegionPlan plan = RegionPlan.of(tensors, maxRegionBytes);
    List<ByteBuffer> buffers = new ArrayList<>();
    for (Region r : plan.regions()) {
      buffers.add(channel.map(FileChannel.MapMode.READ_ONLY, dataStart + r.start(), r.length()));
    }
    Map<String, Slot> slots = new LinkedHashMap<>();
    for (int i = 0; i < tensors.size(); i++) {
      StoredTensor t = tensors.get(i);
      int region = plan.regionOf().get(i);
      slots.put(
          t.info().name(),
          region == RegionPlan.UNMAPPED
              ? new Slot(t, null, 0)
              : new Slot(t, buffers.get(region), t.begin() - plan.regions().get(region).start()));
    }
    return Collections.unmodifiableMap(slots);
  }

  /** The file this was opened from. */
  public Path path() {
    return path;
  }

  /** Tensor names in the order of their data in the file (offset order), not header order. */
  public List<String> names() {
    return names;
  }

  /** Whether the file holds a tensor called {@code name}. */
  public boolean contains(String name) {
    return slots.containsKey(name);
  }

  /**
   * The info of tensor {@code name}.
   *
   * @throws java.util.NoSuchElementException naming the closest available names
   */
  public TensorInfo info(String name) {
    return slot(name).tensor().info();
  }

  /**
   * The tensor's bytes as a read-only, little-endian, zero-copy slice of the mapped file; position
   * 0, limit {@code info(name).byteSize()}. Each call returns a fresh buffer (independent
   * position).
   *
   * @throws java.util.NoSuchElementException naming the closest available names
   * @throws UnsupportedOperationException for a tensor over 2 GiB, which no ByteBuffer can hold:
   *     map it natively from {@link #fileOffset}
   * @throws IllegalStateException after {@link #close()}
   */
  public ByteBuffer data(String name) {
    Slot slot = slot(name);
    if (closed) {
      throw new IllegalStateException(path + " is closed");
    }
    if (slot.region() == null) {
      throw new UnsupportedOperationException(
          path
              + ": tensor '"
              + name
              + "' has "
              + slot.tensor().info().byteSize()
              + " bytes, more than one ByteBuffer holds ("
              + Integer.MAX_VALUE
              + "); map it natively from fileOffset(name) = "
              + fileOffset(name));
    }
    return slot.region()
        .slice((int) slot.offsetInRegion(), (int) slot.tensor().info().byteSize())
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Absolute position of the tensor's first byte in the file, for native mapping. */
  public long fileOffset(String name) {
    return dataStart + slot(name).tensor().begin();
  }

  /** The header's {@code __metadata__} (empty if absent), in header order. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Marks the file closed; buffers already handed out stay valid (see class doc). */
  @Override
  public void close() {
    closed = true;
  }

  private Slot slot(String name) {
    Slot slot = slots.get(name);
    if (slot == null) {
      throw MissingTensors.error(path, name, names);
    }
    return slot;
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + path + ", " + names.size() + " tensors]";
  }
}
