package dev.mft.data.prepare;

import dev.mft.data.read.BadDataKind;
import dev.mft.data.tokenize.EncodeStats;
import dev.mft.data.tokenize.TokenizedExample;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The on-disk form of a {@link PreparedDataset} (version 1), big-endian:
 *
 * <pre>
 * "MFTDATA\n"  int version  string key
 * int tasks, per task:  string name, stats train, stats valid, int nTrain, int nValid, examples (train, then valid)
 *   stats:    int conversations, rendered, tooLong, truncated, untrainedAfterTruncation; string firstDroppedOrigin
 *   example:  int taskId, int length, int[length] ids, byte[ceil(length/8)] trained bits (bit i of byte i/8: label i
 *             is ids[i]; otherwise -100)
 * int kinds, per kind: string name, int skipped
 * long CRC32 of every byte before it
 * string = int byte length + UTF-8 bytes ("" for null)
 * </pre>
 *
 * A file that is short, has another magic, version or key, or fails its checksum reads as absent: the cache then
 * rebuilds it rather than trusting half a write.
 */
final class DatasetFile {

    static final byte[] MAGIC = "MFTDATA\n".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;

    private DatasetFile() {}

    static byte[] encode(String key, PreparedDataset data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeInt(VERSION);
            writeString(out, key);
            out.writeInt(data.tasks().size());
            for (TaskExamples t : data.tasks()) {
                writeString(out, t.name());
                writeStats(out, t.trainStats());
                writeStats(out, t.validStats());
                out.writeInt(t.train().size());
                out.writeInt(t.valid().size());
                for (TokenizedExample e : t.train()) {
                    writeExample(out, e);
                }
                for (TokenizedExample e : t.valid()) {
                    writeExample(out, e);
                }
            }
            out.writeInt(data.skipped().size());
            for (BadDataKind kind : BadDataKind.values()) { // a fixed order: equal datasets give equal bytes
                if (data.skipped().containsKey(kind)) {
                    writeString(out, kind.name());
                    out.writeInt(data.skipped().get(kind));
                }
            }
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeLong(crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory write failed", e);
        }
        return bytes.toByteArray();
    }

    /** The dataset, or empty when {@code bytes} are not a complete version-1 file for {@code key}. */
    static Optional<PreparedDataset> decode(byte[] bytes, String key) {
        if (bytes.length < MAGIC.length + 12) {
            return Optional.empty();
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.getLong(bytes.length - 8) != crc.getValue()) {
            return Optional.empty();
        }
        try {
            byte[] magic = new byte[MAGIC.length];
            in.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC) || in.getInt() != VERSION || !key.equals(readString(in))) {
                return Optional.empty();
            }
            int taskCount = in.getInt();
            List<TaskExamples> tasks = new ArrayList<>(taskCount);
            for (int t = 0; t < taskCount; t++) {
                String name = readString(in);
                EncodeStats trainStats = readStats(in);
                EncodeStats validStats = readStats(in);
                int nTrain = in.getInt();
                int nValid = in.getInt();
                tasks.add(new TaskExamples(name, readExamples(in, nTrain), readExamples(in, nValid), trainStats,
                        validStats));
            }
            Map<BadDataKind, Integer> skipped = new EnumMap<>(BadDataKind.class);
            int kinds = in.getInt();
            for (int k = 0; k < kinds; k++) {
                skipped.put(BadDataKind.valueOf(readString(in)), in.getInt());
            }
            return Optional.of(new PreparedDataset(tasks, skipped, true));
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static void writeExample(DataOutputStream out, TokenizedExample e) throws IOException {
        int n = e.length();
        out.writeInt(e.taskId());
        out.writeInt(n);
        byte[] bits = new byte[(n + 7) / 8];
        ByteBuffer ids = ByteBuffer.allocate(4 * n);
        for (int i = 0; i < n; i++) {
            int label = e.labels()[i];
            if (label == e.inputIds()[i]) {
                bits[i >>> 3] |= (byte) (1 << (i & 7));
            } else if (label != TokenizedExample.IGNORE_INDEX) {
                throw new IllegalArgumentException("label " + label + " at " + i + " is neither the token id nor -100");
            }
            ids.putInt(e.inputIds()[i]);
        }
        out.write(ids.array());
        out.write(bits);
    }

    private static List<TokenizedExample> readExamples(ByteBuffer in, int count) {
        List<TokenizedExample> out = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            int task = in.getInt();
            int n = in.getInt();
            if (n <= 0 || n > in.remaining() / 4) {
                throw new IllegalArgumentException("example length " + n);
            }
            int[] ids = new int[n];
            in.asIntBuffer().get(ids);
            in.position(in.position() + 4 * n);
            int[] labels = new int[n];
            byte[] bits = new byte[(n + 7) / 8];
            in.get(bits);
            for (int i = 0; i < n; i++) {
                labels[i] = (bits[i >>> 3] >>> (i & 7) & 1) != 0 ? ids[i] : TokenizedExample.IGNORE_INDEX;
            }
            out.add(new TokenizedExample(ids, labels, task));
        }
        return out;
    }

    private static void writeStats(DataOutputStream out, EncodeStats s) throws IOException {
        out.writeInt(s.conversations());
        out.writeInt(s.rendered());
        out.writeInt(s.tooLong());
        out.writeInt(s.truncated());
        out.writeInt(s.untrainedAfterTruncation());
        writeString(out, s.firstDroppedOrigin());
    }

    private static EncodeStats readStats(ByteBuffer in) {
        int conversations = in.getInt();
        int rendered = in.getInt();
        int tooLong = in.getInt();
        int truncated = in.getInt();
        int untrained = in.getInt();
        String first = readString(in);
        return new EncodeStats(conversations, rendered, tooLong, truncated, untrained, first.isEmpty() ? null : first);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("string length " + n);
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
