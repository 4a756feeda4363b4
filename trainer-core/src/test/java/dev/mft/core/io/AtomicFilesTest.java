package dev.mft.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private List<String> filesIn(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesStringAsUtf8CreatingParentFolders() throws Exception {
    Path target = dir.resolve("a/b/c.txt");
    AtomicFiles.writeString(target, "héllo");
    assertEquals("héllo", Files.readString(target, StandardCharsets.UTF_8));
    assertEquals(List.of("c.txt"), filesIn(target.getParent()));
  }

  @Test
  void replacesExistingFile() throws Exception {
    Path target = dir.resolve("f.txt");
    Files.writeString(target, "old content that is longer");
    AtomicFiles.writeString(target, "new");
    assertEquals("new", Files.readString(target));
  }

  @Test
  void failingWriterKeepsOldFileAndDeletesTemp() throws Exception {
    Path target = dir.resolve("f.txt");
    Files.writeString(target, "old");
    IOException boom = new IOException("disk full");
    IOException thrown =
        assertThrows(
            IOException.class,
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write("partial".getBytes(StandardCharsets.UTF_8));
                      throw boom;
                    }));
    assertSame(boom, thrown);
    assertEquals("old", Files.readString(target));
    assertEquals(List.of("f.txt"), filesIn(dir), "no temp file left");
  }

  @Test
  void runtimeFailureAlsoDeletesTemp() throws Exception {
    Path target = dir.resolve("f.bin");
    assertThrows(
        IllegalStateException.class,
        () ->
            AtomicFiles.writeChannel(
                target,
                ch -> {
                  throw new IllegalStateException("bug");
                }));
    assertEquals(List.of(), filesIn(dir));
  }

  @Test
  void streamClosedByCallbackStillCompletesTheWrite() throws Exception {
    Path target = dir.resolve("s.txt");
    AtomicFiles.write(
        target,
        out -> {
          try (out) {
            out.write('x');
          }
        });
    assertEquals("x", Files.readString(target));
  }

  /** The temp file must not be owner-only: the rename would carry 0600 onto shared model files. */
  @Test
  void resultHasSamePermissionsAsAnOrdinaryNewFile() throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path ordinary = Files.createFile(dir.resolve("ordinary"));
    Path atomic = dir.resolve("atomic");
    AtomicFiles.writeString(atomic, "x");
    assertEquals(Files.getPosixFilePermissions(ordinary), Files.getPosixFilePermissions(atomic));
  }
}
