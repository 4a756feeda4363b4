package dev.mft.data.read;

import dev.mft.data.conversation.Conversation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Reads one entry of {@code data_paths} (one MFT task): a data file, or a folder whose {@code **}{@code /*.jsonl}
 * and {@code **}{@code /*.json} files all belong to the task, read in sorted path order so that runs repeat. The
 * format is the configured one, or detected per file from its first readable record.
 */
public final class TaskReader {

    private final DataFormat format;
    private final BadDataLog bad;

    public TaskReader(DataFormat format, BadDataLog bad) {
        this.format = Objects.requireNonNull(format, "format");
        this.bad = Objects.requireNonNull(bad, "bad");
    }

    /** The conversations of a file or folder. */
    public List<Conversation> read(Path fileOrFolder) {
        List<Conversation> all = new ArrayList<>();
        for (Path file : files(fileOrFolder)) {
            all.addAll(readFile(file));
        }
        return all;
    }

    /** The data files of a task: the file itself, or the .jsonl/.json files under the folder, sorted. */
    public static List<Path> files(Path fileOrFolder) {
        if (Files.isRegularFile(fileOrFolder)) {
            return List.of(fileOrFolder);
        }
        if (!Files.isDirectory(fileOrFolder)) {
            throw new IllegalArgumentException("data path " + fileOrFolder + " does not exist; expected a data"
                    + " file or a folder of .jsonl/.json files");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(fileOrFolder)) {
            files = walk.filter(p -> {
                String name = p.getFileName().toString();
                return name.endsWith(".jsonl") || name.endsWith(".json");
            }).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list data folder " + fileOrFolder, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no *.jsonl or *.json files under " + fileOrFolder
                    + "; expected the task's data files (MFTCoder chat_rounds JSONL, FastChat or alpaca JSON)");
        }
        return files;
    }

    /** The conversations of one file. */
    public List<Conversation> readFile(Path file) {
        List<Conversation> out = new ArrayList<>();
        RecordReader[] reader = {format == DataFormat.AUTO ? null : format.reader()};
        JsonRecords.forEach(file, bad, (record, line) -> {
            try {
                if (reader[0] == null) {
                    reader[0] = DataFormat.detect(record, file, line).reader();
                }
                out.add(reader[0].read(record, file, line));
            } catch (DataFormatException e) {
                bad.report(e);
            }
        });
        return out;
    }
}
