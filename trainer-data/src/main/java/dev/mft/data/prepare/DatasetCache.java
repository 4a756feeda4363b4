package dev.mft.data.prepare;

import dev.mft.data.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepared datasets on disk, one file per key ({@code <key>.mftdata}, see {@link DatasetFile}). Files are written to a
 * temporary file in the same folder and renamed into place, and checked (magic, version, key, CRC32) when read, so a
 * crash mid-write leaves either the old entry, no entry, or a file that reads as absent: never a half dataset.
 */
public final class DatasetCache {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetCache.class);
    private final Path dir;

    public DatasetCache(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** {@code $XDG_CACHE_HOME/mft/datasets}, or {@code ~/.cache/mft/datasets}. */
    public static Path defaultDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("mft").resolve("datasets");
    }

    public Path file(String key) {
        return dir.resolve(key + ".mftdata");
    }

    public Optional<PreparedDataset> load(String key) {
        Path file = file(key);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset cache " + file, e);
        }
        Optional<PreparedDataset> data = DatasetFile.decode(bytes, key);
        if (data.isEmpty()) {
            LOG.warn("dataset cache {} is incomplete or from another version; rebuilding it", file);
        }
        return data;
    }

    public void store(String key, PreparedDataset data) {
        AtomicFiles.write(file(key), DatasetFile.encode(key, data));
    }
}
