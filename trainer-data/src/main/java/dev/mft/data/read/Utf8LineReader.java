package dev.mft.data.read;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file line by line, decoding each line strictly as UTF-8 on its own.
 *
 * <p>Why not {@code BufferedReader}: it decodes ahead in 8 KiB chunks, so invalid bytes would be
 * reported against the wrong line (or lines earlier than the bad one would be lost).
 */
final class Utf8LineReader implements Closeable {

    private final Path file;
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // our own buffer: BufferedInputStream.read() takes a lock per byte
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private int lineNumber;

    Utf8LineReader(Path file) throws IOException {
        this.file = file;
        this.in = Files.newInputStream(file);
    }

    /** The 1-based number of the line last returned. */
    int lineNumber() {
        return lineNumber;
    }

    /** The next line without its terminator, or null at the end of the file. */
    String next() throws IOException {
        bytes.reset();
        boolean sawNewline = false;
        while (!sawNewline) {
            if (position == limit) {
                limit = in.read(buffer);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (bytes.size() == 0) {
                        return null;
                    }
                    break;
                }
            }
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            bytes.write(buffer, start, position - start);
            if (position < limit) {
                sawNewline = true;
                position++; // skip the '\n'
            }
        }
        lineNumber++;
        try {
            String line = decoder.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file, lineNumber, "not valid UTF-8; expected UTF-8 text", e);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
