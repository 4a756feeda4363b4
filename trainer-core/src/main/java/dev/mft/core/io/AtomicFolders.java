package dev.mft.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a whole output folder (a model, an adapter) so that a crash never leaves a half-written folder where a good
 * one was: the content is built in a temporary folder beside the target, then the old folder is moved aside, the new
 * one renamed into place, and the old one deleted.
 */
public final class AtomicFolders {
  private AtomicFolders() {}

  /** Lets {@code filler} fill a fresh temporary folder, then puts it at {@code dir}. */
  public static void write(Path dir, IOExceptionConsumer<Path> filler) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, dir.getFileName() + ".tmp-");
    try {
      filler.accept(tmp);
      replace(tmp, dir);
    } catch (IOException | RuntimeException e) {
      deleteTree(tmp);
      throw e;
    }
  }

  /** Copies {@code files} into {@code dir} by file name. */
  public static void copyInto(Path dir, List<Path> files) throws IOException {
    for (Path f : files) {
      Files.copy(f, dir.resolve(f.getFileName().toString()));
    }
  }

  /** Puts {@code fresh} where {@code dir} is: the old folder is moved aside first and deleted after. */
  private static void replace(Path fresh, Path dir) throws IOException {
    Path old = null;
    if (Files.exists(dir)) {
      old = dir.resolveSibling(dir.getFileName() + ".old-" + System.nanoTime());
      Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
    if (old != null) {
      deleteTree(old);
    }
  }

  /** Deletes a folder and everything below it (nothing when it does not exist). */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
