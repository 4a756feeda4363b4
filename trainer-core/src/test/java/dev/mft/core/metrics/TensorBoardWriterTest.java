package dev.mft.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the event file back with an independent reader: a bitwise CRC-32C (Castagnoli, reflected polynomial
 * 0x82F63B78) written here from its definition, TFRecord framing, and a generic protobuf field decoder.
 */
class TensorBoardWriterTest {
    @TempDir
    Path dir;

    @Test
    void eventFileHasValidFramingCrcsAndScalarEvents() throws Exception {
        Path file;
        try (TensorBoardWriter tb = new TensorBoardWriter(dir)) {
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("train/loss", 2.5);
            v.put("train/lr", 1e-4);
            tb.scalars(10, v);
            tb.scalars(300, Map.of("train/loss", 1.25));
            file = tb.file();
        }
        assertTrue(file.getFileName().toString().startsWith("events.out.tfevents."));
        List<byte[]> records = readRecords(Files.readAllBytes(file));
        assertEquals(3, records.size());

        Map<Integer, List<Object>> first = fields(records.get(0));
        assertEquals("brain.Event:2", new String((byte[]) first.get(3).get(0), StandardCharsets.UTF_8));

        Map<Integer, List<Object>> e1 = fields(records.get(1));
        assertEquals(10L, e1.get(2).get(0));
        Map<Integer, List<Object>> summary = fields((byte[]) e1.get(5).get(0));
        assertEquals(2, summary.get(1).size());
        Map<Integer, List<Object>> value = fields((byte[]) summary.get(1).get(0));
        assertEquals("train/loss", new String((byte[]) value.get(1).get(0), StandardCharsets.UTF_8));
        assertEquals(2.5f, Float.intBitsToFloat((Integer) value.get(2).get(0)));
        Map<Integer, List<Object>> lr = fields((byte[]) summary.get(1).get(1));
        assertEquals(1e-4f, Float.intBitsToFloat((Integer) lr.get(2).get(0)));

        assertEquals(300L, fields(records.get(2)).get(2).get(0));
    }

    @Test
    void crc32cMatchesTheStandardCheckValue() {
        // CRC-32C of "123456789" is 0xE3069283 (the catalogue check value)
        assertEquals(0xE3069283, crc32c("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
    }

    private static List<byte[]> readRecords(byte[] file) {
        List<byte[]> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int start = b.position();
            long len = b.getLong();
            assertEquals(masked(crc32c(file, start, 8)), b.getInt(), "length CRC");
            byte[] data = new byte[(int) len];
            b.get(data);
            assertEquals(masked(crc32c(data, 0, data.length)), b.getInt(), "data CRC");
            out.add(data);
        }
        return out;
    }

    private static int masked(int crc) {
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }

    private static int crc32c(byte[] data, int off, int len) {
        int crc = 0xFFFFFFFF;
        for (int i = off; i < off + len; i++) {
            crc ^= data[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    /** Generic protobuf decode: field number -> values (Long varint, Long fixed64, Integer fixed32, byte[]). */
    private static Map<Integer, List<Object>> fields(byte[] msg) {
        Map<Integer, List<Object>> out = new LinkedHashMap<>();
        int[] pos = {0};
        while (pos[0] < msg.length) {
            long key = varint(msg, pos);
            int field = (int) (key >>> 3);
            int type = (int) (key & 7);
            Object v;
            if (type == 0) {
                v = varint(msg, pos);
            } else if (type == 1) {
                v = ByteBuffer.wrap(msg, pos[0], 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                pos[0] += 8;
            } else if (type == 5) {
                v = ByteBuffer.wrap(msg, pos[0], 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                pos[0] += 4;
            } else if (type == 2) {
                int n = (int) varint(msg, pos);
                byte[] d = new byte[n];
                System.arraycopy(msg, pos[0], d, 0, n);
                pos[0] += n;
                v = d;
            } else {
                throw new AssertionError("unexpected wire type " + type);
            }
            out.computeIfAbsent(field, k -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static long varint(byte[] b, int[] pos) {
        long v = 0;
        int shift = 0;
        while (true) {
            int x = b[pos[0]++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
            shift += 7;
        }
    }
}
