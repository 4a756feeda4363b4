package dev.mft.core.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.mft.core.io.AtomicFiles;
import dev.mft.core.io.ByteChannels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes one safetensors file, atomically (see {@link AtomicFiles}) and deterministically: tensors
 * sorted by name ({@link String#compareTo}), their data laid out in that order from offset 0,
 * {@code __metadata__} first with its keys sorted and omitted when empty, compact JSON padded with
 * spaces to a multiple of 8 bytes so the data region starts 8-byte aligned.
 */
public final class SafetensorsWriter {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int ALIGNMENT = 8;

  private SafetensorsWriter() {}

  /**
   * Writes {@code tensors} and {@code metadata} to {@code target}.
   *
   * @throws IllegalArgumentException on duplicate names or a tensor named {@code __metadata__}
   * @throws IllegalStateException if a tensor's writer produces the wrong number of bytes (the
   *     target is then left untouched)
   */
  public static void write(
      Path target, Collection<TensorEntry> tensors, Map<String, String> metadata)
      throws IOException {
    List<TensorEntry> sorted = sortedByName(tensors);
    byte[] header = header(sorted.stream().map(TensorEntry::info).toList(), metadata);
    AtomicFiles.writeChannel(
        target,
        channel -> {
          ByteBuffer length =
              ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
          ByteChannels.writeFully(channel, length);
          ByteChannels.writeFully(channel, ByteBuffer.wrap(header));
          for (TensorEntry entry : sorted) {
            writeCounted(channel, entry, target);
          }
        });
  }

  /** Sorts by name and rejects names the header could not hold unambiguously. */
  static List<TensorEntry> sortedByName(Collection<TensorEntry> tensors) {
    List<TensorEntry> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparing(TensorEntry::name));
    for (int i = 0; i < sorted.size(); i++) {
      String name = sorted.get(i).name();
      if (name.equals(HeaderParser.METADATA_KEY)) {
        throw new IllegalArgumentException(
            "tensor name '" + name + "' is reserved for the header's metadata");
      }
      if (i > 0 && name.equals(sorted.get(i - 1).name())) {
        throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
      }
    }
    return sorted;
  }

  /** The padded header JSON for tensors laid out back to back in the given order. */
  static byte[] header(List<TensorInfo> infos, Map<String, String> metadata) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(bytes)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart(HeaderParser.METADATA_KEY);
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      long offset = 0;
      for (TensorInfo info : infos) {
        g.writeObjectFieldStart(info.name());
        g.writeStringField("dtype", info.dtype().name());
        long[] shape = info.shape();
        g.writeFieldName("shape");
        g.writeArray(shape, 0, shape.length);
        g.writeFieldName("data_offsets");
        g.writeArray(new long[] {offset, offset + info.byteSize()}, 0, 2);
        g.writeEndObject();
        offset += info.byteSize();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory cannot fail", e);
    }
    while (bytes.size() % ALIGNMENT != 0) {
      bytes.write(' ');
    }
    return bytes.toByteArray();
  }

  private static void writeCounted(WritableByteChannel channel, TensorEntry entry, Path target)
      throws IOException {
    CountingChannel counted = new CountingChannel(channel);
    entry.writer().accept(counted);
    long expected = entry.info().byteSize();
    if (counted.count() != expected) {
      throw new IllegalStateException(
          target
              + ": tensor '"
              + entry.name()
              + "': writer produced "
              + counted.count()
              + " bytes, expected "
              + expected
              + " for "
              + entry.info());
    }
  }

  /** Counts what passes through, so a writer callback's byte count can be checked. */
  private static final class CountingChannel implements WritableByteChannel {
    private final WritableByteChannel out;
    private long count;

    CountingChannel(WritableByteChannel out) {
      this.out = out;
    }

    long count() {
      return count;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = out.write(src);
      count += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return out.isOpen();
    }

    /** The file belongs to the writer; a callback closing it would only break the write. */
    @Override
    public void close() {}
  }
}
