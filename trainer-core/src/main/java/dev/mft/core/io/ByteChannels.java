package dev.mft.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/** Loops that finish what a single channel call may leave half done. */
public final class ByteChannels {
  private ByteChannels() {}

  /** Writes all remaining bytes of {@code src} (a channel may accept fewer per call). */
  public static void writeFully(WritableByteChannel out, ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      out.write(src);
    }
  }

  /**
   * Reads exactly {@code length} bytes starting at {@code position}.
   *
   * @throws java.io.EOFException if the file ends first
   */
  public static ByteBuffer readFully(FileChannel in, long position, int length) throws IOException {
    ByteBuffer dst = ByteBuffer.allocate(length);
    while (dst.hasRemaining()) {
      int n = in.read(dst, position + dst.position());
      if (n < 0) {
        throw new java.io.EOFException(
            "end of file after "
                + (position + dst.position())
                + " bytes, expected "
                + (position + length));
      }
    }
    return dst.flip();
  }
}
