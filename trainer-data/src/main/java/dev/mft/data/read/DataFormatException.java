package dev.mft.data.read;

import java.nio.file.Path;

/** A data file that does not follow its format; the message starts with {@code file:line:}. */
public final class DataFormatException extends RuntimeException {

    private final Path file;
    private final int line;

    public DataFormatException(Path file, int line, String problem) {
        this(file, line, problem, null);
    }

    public DataFormatException(Path file, int line, String problem, Throwable cause) {
        super(file + ":" + line + ": " + problem, cause);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** 1-based line number. */
    public int line() {
        return line;
    }
}
