package dev.mft.data.read;

import java.nio.file.Path;
import java.util.Objects;

/** A data file that does not follow its format; the message starts with {@code file:line:}. */
public final class DataFormatException extends RuntimeException {

    private final Path file;
    private final int line;
    private final BadDataKind kind;

    public DataFormatException(Path file, int line, String problem) {
        this(file, line, BadDataKind.INVALID_RECORD, problem, null);
    }

    public DataFormatException(Path file, int line, String problem, Throwable cause) {
        this(file, line, BadDataKind.INVALID_RECORD, problem, cause);
    }

    public DataFormatException(Path file, int line, BadDataKind kind, String problem) {
        this(file, line, kind, problem, null);
    }

    public DataFormatException(Path file, int line, BadDataKind kind, String problem, Throwable cause) {
        super(file + ":" + line + ": " + problem, cause);
        this.file = file;
        this.line = line;
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Path file() {
        return file;
    }

    /** 1-based line number (of the record's first line in a JSON list). */
    public int line() {
        return line;
    }

    public BadDataKind kind() {
        return kind;
    }
}
