package dev.mft.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * {@code manifest.json}, written LAST into a checkpoint folder: every other file with its size and CRC-32. A folder
 * whose manifest is missing, or whose files differ from it, is incomplete or corrupt and is never resumed from.
 * Layout version: {@code {"format": "mft-checkpoint", "version": 1, "files": {"rel/path": {"size": n, "crc32": c}}}}.
 */
public final class CheckpointManifest {
    public static final String FILE = "manifest.json";
    public static final String FORMAT = "mft-checkpoint";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointManifest() {}

    /** Records every file under {@code folder} (except the manifest) and writes the manifest atomically. */
    public static void write(Path folder) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        ObjectNode files = root.putObject("files");
        for (Map.Entry<String, long[]> e : scan(folder).entrySet()) {
            ObjectNode f = files.putObject(e.getKey());
            f.put("size", e.getValue()[0]);
            f.put("crc32", e.getValue()[1]);
        }
        AtomicFiles.writeString(folder.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    /** Throws {@link CorruptCheckpointException} naming the first problem; returns normally when intact. */
    public static void verify(Path folder) throws IOException {
        Path manifest = folder.resolve(FILE);
        if (!Files.isRegularFile(manifest)) {
            throw new CorruptCheckpointException(folder + ": no " + FILE + " (the checkpoint was not completed)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(manifest.toFile());
        } catch (IOException e) {
            throw new CorruptCheckpointException(manifest + ": unreadable (" + e.getMessage() + ")");
        }
        if (!FORMAT.equals(root.path("format").asText()) || root.path("version").asInt() != VERSION) {
            throw new CorruptCheckpointException(manifest + ": format " + root.path("format") + " version "
                    + root.path("version") + ", expected " + FORMAT + " version " + VERSION);
        }
        Map<String, long[]> actual = scan(folder);
        JsonNode files = root.path("files");
        List<String> expectedNames = new ArrayList<>();
        for (Iterator<String> it = files.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            expectedNames.add(name);
            long[] a = actual.get(name);
            long size = files.get(name).path("size").asLong();
            long crc = files.get(name).path("crc32").asLong();
            if (a == null) {
                throw new CorruptCheckpointException(folder.resolve(name) + ": missing (listed in " + FILE + ")");
            }
            if (a[0] != size || a[1] != crc) {
                throw new CorruptCheckpointException(folder.resolve(name) + ": size " + a[0] + " crc32 " + a[1]
                        + ", expected size " + size + " crc32 " + crc);
            }
        }
        actual.keySet().removeAll(expectedNames);
        if (!actual.isEmpty()) {
            throw new CorruptCheckpointException(folder + ": files not in " + FILE + ": " + actual.keySet());
        }
    }

    private static Map<String, long[]> scan(Path folder) throws IOException {
        Map<String, long[]> out = new TreeMap<>();
        try (var walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String rel = folder.relativize(p).toString().replace('\\', '/');
                if (!rel.equals(FILE)) {
                    out.put(rel, new long[] {Files.size(p), crc(p)});
                }
            }
        }
        return out;
    }

    private static long crc(Path p) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue();
    }
}
