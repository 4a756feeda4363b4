package dev.mft.data.read;

import dev.mft.data.conversation.Conversation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads MFTCoder chat_rounds JSONL: one object per line,
 * {@code {"id": ..., "chat_rounds": [{"role": ..., "content": ...}, ...]}}, failing at the first bad line.
 *
 * <p>Roles (case-insensitive): {@code system} (optional, first only), then alternating
 * {@code human|user} and {@code bot|assistant|gpt}; at least one reply is required because a
 * conversation without one trains nothing. Other keys ({@code id}, {@code data_name}, ...) are
 * ignored. Blank lines are skipped but still counted, so line numbers match an editor's. For the other
 * formats, detection and skipping bad records see {@link TaskReader}.
 */
public final class ChatRoundsReader {

    private ChatRoundsReader() {}

    /** Reads a .jsonl file, or every {@code **}{@code /*.jsonl} file under a folder. */
    public static List<Conversation> read(Path fileOrFolder) {
        return Files.isDirectory(fileOrFolder) ? readFolder(fileOrFolder) : readFile(fileOrFolder);
    }

    /** Reads every {@code *.jsonl} file under {@code folder}, recursively, in sorted path order. */
    public static List<Conversation> readFolder(Path folder) {
        List<Conversation> all = new ArrayList<>();
        for (Path file : jsonlFiles(folder)) {
            all.addAll(readFile(file));
        }
        return all;
    }

    /** The {@code *.jsonl} files under {@code folder}, sorted so that reading is deterministic. */
    public static List<Path> jsonlFiles(Path folder) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list data folder " + folder, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(
                    "no *.jsonl files under " + folder + "; expected MFTCoder chat_rounds JSONL files");
        }
        return files;
    }

    /** Reads one JSONL file. */
    public static List<Conversation> readFile(Path file) {
        return new TaskReader(DataFormat.MFTCODER, BadDataLog.failing()).readFile(file);
    }
}
