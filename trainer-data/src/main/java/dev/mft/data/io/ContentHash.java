package dev.mft.data.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A SHA-256 over a sequence of strings, numbers and file contents: the identity of what a cache entry was made from. */
public final class ContentHash {

    private final MessageDigest sha = newSha256();
    private final byte[] buffer = new byte[1 << 16];

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Adds a string, length-prefixed so that ("ab", "c") and ("a", "bc") differ. */
    public ContentHash add(String s) {
        byte[] bytes = (s == null ? "\u0000null" : s).getBytes(StandardCharsets.UTF_8);
        add(bytes.length);
        sha.update(bytes);
        return this;
    }

    public ContentHash add(long value) {
        for (int i = 0; i < 8; i++) {
            sha.update((byte) (value >>> (8 * i)));
        }
        return this;
    }

    /** Adds a file's size and bytes. */
    public ContentHash addFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            add(Files.size(file));
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return this;
    }

    /** The digest as 64 hex characters (the hash cannot be extended after). */
    public String hex() {
        return HexFormat.of().formatHex(sha.digest());
    }
}
