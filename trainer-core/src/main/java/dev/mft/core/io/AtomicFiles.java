package dev.mft.core.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that a reader sees either the old content or the complete new content, never a
 * half-written file: the bytes go to a temporary file in the target's folder, are forced to disk,
 * and the temporary file is renamed over the target with {@link StandardCopyOption#ATOMIC_MOVE}. On
 * any failure the temporary file is deleted and the target is left as it was. Missing parent
 * folders are created.
 */
public final class AtomicFiles {
  private static final int STREAM_BUFFER_BYTES = 1 << 16;

  private AtomicFiles() {}

  /** Writes {@code content} as UTF-8. */
  public static void writeString(Path target, String content) throws IOException {
    write(target, content.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes}. */
  public static void write(Path target, byte[] bytes) throws IOException {
    writeChannel(target, channel -> ByteChannels.writeFully(channel, ByteBuffer.wrap(bytes)));
  }

  /**
   * Lets {@code writer} fill the file through a buffered stream. Closing the stream inside the
   * callback only flushes it: the file is forced and renamed after the callback returns.
   */
  public static void write(Path target, IOExceptionConsumer<OutputStream> writer)
      throws IOException {
    Objects.requireNonNull(writer, "writer");
    writeChannel(
        target,
        channel -> {
          OutputStream out = new UnclosableStream(Channels.newOutputStream(channel));
          writer.accept(out);
          out.flush();
        });
  }

  /**
   * Lets {@code writer} fill the file through its channel: the fastest route for direct or mapped
   * {@link ByteBuffer}s, which the channel writes without a copy into the Java heap.
   */
  public static void writeChannel(Path target, IOExceptionConsumer<FileChannel> writer)
      throws IOException {
    Objects.requireNonNull(writer, "writer");
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    Files.createDirectories(dir);
    Path tmp = createTemp(dir, absolute.getFileName().toString());
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        writer.accept(channel);
        channel.force(true);
      }
      Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
    } catch (Throwable t) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        t.addSuppressed(e);
      }
      throw t;
    }
    forceDirectory(dir);
  }

  /**
   * Creates the temp file with CREATE_NEW rather than {@link Files#createTempFile}: the latter
   * makes owner-only (0600) files on POSIX, and the rename would carry that mode onto model outputs
   * that other users and tools must read.
   */
  private static Path createTemp(Path dir, String name) throws IOException {
    while (true) {
      Path tmp =
          dir.resolve(
              "." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
      try {
        Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return tmp;
      } catch (FileAlreadyExistsException e) {
        // another writer picked the same random name: draw again
      }
    }
  }

  /**
   * Forces the folder so the rename itself survives a power loss. Some platforms (Windows) cannot
   * open a folder as a channel; there the rename's durability is left to the OS, which is no worse
   * than what any other Java writer gets.
   */
  private static void forceDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // see javadoc: best effort only
    }
  }

  /**
   * Flushes instead of closing so a callback's try-with-resources cannot close the channel early.
   */
  private static final class UnclosableStream extends FilterOutputStream {
    UnclosableStream(OutputStream out) {
      super(new BufferedOutputStream(out, STREAM_BUFFER_BYTES));
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
