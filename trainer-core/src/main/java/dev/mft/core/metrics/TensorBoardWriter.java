package dev.mft.core.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Writes TensorBoard event files ({@code events.out.tfevents.<secs>.<host>}) that TensorBoard reads: TFRecord framing
 * (u64 length, masked CRC32C of the length, payload, masked CRC32C of the payload) around {@code tensorflow.Event}
 * protobufs, the first holding {@code file_version "brain.Event:2"}, then one Event per step with scalar summaries.
 * Each record is flushed as written, so a crash loses nothing already logged.
 */
public final class TensorBoardWriter implements AutoCloseable {
    private static final int MASK_DELTA = 0xa282ead8;

    private final OutputStream out;
    private final Path file;

    public TensorBoardWriter(Path dir) throws IOException {
        Files.createDirectories(dir);
        long secs = System.currentTimeMillis() / 1000;
        String host = java.net.InetAddress.getLoopbackAddress().getHostName();
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            // keep the loopback name: the host only tells runs apart in TensorBoard's file list
        }
        this.file = dir.resolve("events.out.tfevents." + secs + "." + host);
        this.out = Files.newOutputStream(file);
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        Proto.fixed64(event, 1, Double.doubleToRawLongBits(System.currentTimeMillis() / 1000.0)); // wall_time
        Proto.bytes(event, 3, "brain.Event:2".getBytes(StandardCharsets.UTF_8)); // file_version
        writeRecord(event.toByteArray());
    }

    public Path file() {
        return file;
    }

    /** One Event at {@code step} with a scalar summary value per tag. */
    public void scalars(long step, Map<String, Double> values) throws IOException {
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            Proto.bytes(value, 1, e.getKey().getBytes(StandardCharsets.UTF_8)); // Summary.Value.tag
            Proto.fixed32(value, 2, Float.floatToRawIntBits(e.getValue().floatValue())); // simple_value
            Proto.bytes(summary, 1, value.toByteArray()); // Summary.value (repeated)
        }
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        Proto.fixed64(event, 1, Double.doubleToRawLongBits(System.currentTimeMillis() / 1000.0)); // wall_time
        Proto.varint(event, 2, step); // step
        Proto.bytes(event, 5, summary.toByteArray()); // summary
        writeRecord(event.toByteArray());
    }

    private void writeRecord(byte[] payload) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(payload.length);
        header.putInt(maskedCrc(header.array(), 0, 8));
        out.write(header.array());
        out.write(payload);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maskedCrc(payload, 0, payload.length))
                .array());
        out.flush();
    }

    /** TFRecord's masked CRC32C: rotate right by 15 and add a constant. */
    static int maskedCrc(byte[] data, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(data, off, len);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** The three protobuf wire encodings an Event needs. */
    private static final class Proto {
        private Proto() {}

        static void varint(ByteArrayOutputStream out, int field, long value) {
            rawVarint(out, (long) field << 3);
            rawVarint(out, value);
        }

        static void fixed64(ByteArrayOutputStream out, int field, long bits) {
            rawVarint(out, ((long) field << 3) | 1);
            for (int i = 0; i < 8; i++) {
                out.write((int) (bits >>> (8 * i)) & 0xFF);
            }
        }

        static void fixed32(ByteArrayOutputStream out, int field, int bits) {
            rawVarint(out, ((long) field << 3) | 5);
            for (int i = 0; i < 4; i++) {
                out.write((bits >>> (8 * i)) & 0xFF);
            }
        }

        static void bytes(ByteArrayOutputStream out, int field, byte[] data) {
            rawVarint(out, ((long) field << 3) | 2);
            rawVarint(out, data.length);
            out.write(data, 0, data.length);
        }

        private static void rawVarint(ByteArrayOutputStream out, long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
