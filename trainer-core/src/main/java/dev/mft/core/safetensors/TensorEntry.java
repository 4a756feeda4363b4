package dev.mft.core.safetensors;

import dev.mft.core.io.ByteChannels;
import dev.mft.core.io.IOExceptionConsumer;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * One tensor to write: its info and a callback that writes exactly {@code info.byteSize()} bytes
 * (row-major, little-endian). The callback lets a large tensor stream from native or mapped memory
 * without ever sitting in one heap array; the writer checks the byte count.
 */
public record TensorEntry(TensorInfo info, IOExceptionConsumer<WritableByteChannel> writer) {

  public TensorEntry {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(writer, () -> "writer of tensor '" + info.name() + "'");
  }

  /**
   * A tensor whose bytes are the remaining bytes of {@code bytes} (their position and limit are
   * captured now; the caller's buffer is never moved).
   *
   * @throws IllegalArgumentException if the remaining byte count is not shape * dtype size
   */
  public static TensorEntry of(
      String name, SafetensorsDType dtype, long[] shape, ByteBuffer bytes) {
    TensorInfo info = TensorInfo.of(name, dtype, shape);
    ByteBuffer view = bytes.duplicate();
    if (view.remaining() != info.byteSize()) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "': buffer has "
              + view.remaining()
              + " bytes, expected "
              + info.byteSize()
              + " for "
              + info);
    }
    return new TensorEntry(info, out -> ByteChannels.writeFully(out, view.duplicate()));
  }

  /** A tensor whose bytes {@code writer} produces when the file is written. */
  public static TensorEntry streamed(
      String name,
      SafetensorsDType dtype,
      long[] shape,
      IOExceptionConsumer<WritableByteChannel> writer) {
    return new TensorEntry(TensorInfo.of(name, dtype, shape), writer);
  }

  /** The tensor's name. */
  public String name() {
    return info.name();
  }
}
