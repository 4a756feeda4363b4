package dev.mft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** trainer-data hands plain int arrays to the trainer; tensors are trainer-core's business. */
class NoNdArrayTest {

    @Test
    void mainSourcesNeverUseNdArrays() throws IOException {
        Path main = Path.of(System.getProperty("mft.repo.root", "..")).resolve("trainer-data/src/main/java");
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> read(p).contains("ai.djl.ndarray"))
                    .toList();
        }
        assertEquals(List.of(), offenders);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
