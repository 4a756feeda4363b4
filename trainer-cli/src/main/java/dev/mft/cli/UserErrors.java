package dev.mft.cli;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Prints what went wrong in one readable line for mistakes a user can fix (bad config, missing file, malformed
 * data); keeps the stack trace for bugs, or for everything with {@code MFT_DEBUG=1}.
 */
final class UserErrors implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        boolean debug = "1".equals(System.getenv("MFT_DEBUG"));
        String message = message(e);
        if (message == null || debug) {
            e.printStackTrace(cmd.getErr());
        }
        if (message != null) {
            cmd.getErr().println("error: " + message);
        }
        return 1;
    }

    /** A user-facing message, or null when the exception is a bug. */
    private static String message(Throwable e) {
        if (e instanceof NoSuchFileException) {
            NoSuchFileException n = (NoSuchFileException) e;
            return "file not found: " + n.getFile() + (n.getReason() != null ? " (" + n.getReason() + ")" : "");
        }
        if (e instanceof IllegalArgumentException || e instanceof IOException || e instanceof IllegalStateException) {
            return e.getMessage();
        }
        if (e instanceof RuntimeException && e.getClass().getPackageName().startsWith("dev.mft")) {
            return e.getMessage();
        }
        return null;
    }
}
