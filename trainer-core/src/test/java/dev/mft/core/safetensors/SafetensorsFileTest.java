package dev.mft.core.safetensors;

import static dev.mft.core.safetensors.HandBuiltFiles.bytes;
import static dev.mft.core.safetensors.HandBuiltFiles.concat;
import static dev.mft.core.safetensors.HandBuiltFiles.file;
import static dev.mft.core.safetensors.HandBuiltFiles.toArray;
import static dev.mft.core.safetensors.HandBuiltFiles.u64;
import static dev.mft.core.safetensors.HandBuiltFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsFileTest {
  @TempDir Path dir;

  /** Header in non-offset order, with metadata and space padding; data written byte by byte. */
  private static final String GOLDEN_HEADER =
      "{\"__metadata__\":{\"format\":\"pt\"},"
          + "\"b\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[8,12]},"
          + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}   ";

  private static final byte[] GOLDEN_DATA =
      bytes(
          0x00, 0x00, 0xC0, 0x3F, // 1.5f  = 0x3FC00000
          0x00, 0x00, 0x00, 0xC0, // -2.0f = 0xC0000000
          0x01, 0x00, // (short) 1
          0xFF, 0xFF); // (short) -1

  @Test
  void readsHandBuiltFileWithPaddedHeader() throws Exception {
    Path path = write(dir, "golden.safetensors", file(GOLDEN_HEADER, GOLDEN_DATA));
    try (SafetensorsFile f = SafetensorsFile.open(path)) {
      assertEquals(List.of("a", "b"), f.names(), "offset order, not header order");
      assertEquals(Map.of("format", "pt"), f.metadata());
      assertEquals(new TensorInfo("a", SafetensorsDType.F32, new long[] {2}, 8), f.info("a"));
      assertEquals(new TensorInfo("b", SafetensorsDType.I16, new long[] {2}, 4), f.info("b"));

      ByteBuffer a = f.data("a");
      assertEquals(ByteOrder.LITTLE_ENDIAN, a.order());
      assertTrue(a.isReadOnly());
      assertEquals(8, a.remaining());
      assertEquals(1.5f, a.getFloat(0));
      assertEquals(-2.0f, a.getFloat(4));
      ByteBuffer b = f.data("b");
      assertEquals(1, b.getShort(0));
      assertEquals(-1, b.getShort(2));

      long headerLength = GOLDEN_HEADER.getBytes(StandardCharsets.UTF_8).length;
      assertEquals(8 + headerLength, f.fileOffset("a"));
      assertEquals(8 + headerLength + 8, f.fileOffset("b"));
    }
  }

  @Test
  void dataSlicesAreIndependentOfEachOther() throws Exception {
    Path path = write(dir, "golden.safetensors", file(GOLDEN_HEADER, GOLDEN_DATA));
    try (SafetensorsFile f = SafetensorsFile.open(path)) {
      ByteBuffer first = f.data("a");
      first.getFloat();
      assertEquals(0, f.data("a").position());
      assertEquals(1.5f, f.data("a").getFloat());
    }
  }

  @Test
  void missingTensorErrorListsClosestNames() throws Exception {
    Path path = write(dir, "golden.safetensors", file(GOLDEN_HEADER, GOLDEN_DATA));
    try (SafetensorsFile f = SafetensorsFile.open(path)) {
      NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> f.data("c"));
      assertTrue(e.getMessage().contains("golden.safetensors"), e.getMessage());
      assertTrue(e.getMessage().contains("'c'"), e.getMessage());
      assertTrue(e.getMessage().contains("[a, b]"), e.getMessage());
      assertThrows(NoSuchElementException.class, () -> f.info("c"));
    }
  }

  @Test
  void dataAfterCloseFails() throws Exception {
    Path path = write(dir, "golden.safetensors", file(GOLDEN_HEADER, GOLDEN_DATA));
    SafetensorsFile f = SafetensorsFile.open(path);
    ByteBuffer before = f.data("a");
    f.close();
    assertThrows(IllegalStateException.class, () -> f.data("a"));
    assertEquals(1.5f, before.getFloat(0), "buffers handed out stay valid");
  }

  @Test
  void emptyHeaderWithNoDataIsValid() throws Exception {
    Path path = write(dir, "empty.safetensors", file("{}      ", new byte[0]));
    try (SafetensorsFile f = SafetensorsFile.open(path)) {
      assertEquals(List.of(), f.names());
      assertEquals(Map.of(), f.metadata());
    }
  }

  /**
   * With a 12-byte mapping limit the data region is mapped in pieces cut at tensor boundaries;
   * every tensor still reads back whole, and one over the limit gets a clear error.
   */
  @Test
  void mapsDataRegionInPiecesCutAtTensorBoundaries() throws Exception {
    String header =
        "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[8,12]},"
            + "\"c\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[12,20]},"
            + "\"d\":{\"dtype\":\"U8\",\"shape\":[16],\"data_offsets\":[20,36]},"
            + "\"e\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[36,40]}}";
    byte[] data = new byte[40];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    Path path = write(dir, "pieces.safetensors", file(header, data));
    try (SafetensorsFile f = SafetensorsFile.open(path, 12)) {
      assertArrayEquals(bytes(0, 1, 2, 3, 4, 5, 6, 7), toArray(f.data("a")));
      assertArrayEquals(bytes(8, 9, 10, 11), toArray(f.data("b")));
      assertArrayEquals(bytes(12, 13, 14, 15, 16, 17, 18, 19), toArray(f.data("c")));
      assertArrayEquals(bytes(36, 37, 38, 39), toArray(f.data("e")));
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> f.data("d"));
      assertTrue(
          e.getMessage().contains("'d'") && e.getMessage().contains("fileOffset"), e.getMessage());
      assertEquals(8 + header.length() + 20, f.fileOffset("d"));
    }
  }

  private static final String F32_1 = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";

  static Stream<Arguments> malformed() {
    return Stream.of(
        bad("file shorter than the length prefix", bytes(1, 2, 3), "file size", "actual 3 bytes"),
        bad(
            "absurd header length",
            concat(u64(200_000_000L), new byte[16]),
            "header length",
            "actual 200000000",
            "100000000"),
        bad(
            "header length above 2^63",
            concat(u64(-1L), new byte[16]),
            "header length",
            "actual 18446744073709551615"),
        bad(
            "header length past the file",
            concat(u64(100), new byte[10]),
            "past the end of the file",
            "actual 100",
            "<= 10"),
        bad(
            "header not UTF-8",
            concat(u64(3), bytes('{', 0xFF, '}')),
            "header byte 1",
            "actual 0xFF (not valid UTF-8)"),
        bad("header not JSON", file("{\"a\":", new byte[0]), "not valid JSON at character 5"),
        bad("header not an object", file("[1,2]", new byte[0]), "not a JSON object", "START_ARRAY"),
        bad("content after the object", file("{}{}", new byte[0]), "content after the header"),
        bad("entry not an object", file("{\"w\":5}", new byte[0]), "'w'", "entry", "actual NUMBER"),
        bad(
            "missing dtype",
            file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
            "'w'",
            "missing key 'dtype'",
            "actual keys [shape, data_offsets]"),
        bad(
            "missing shape",
            file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]),
            "'w'",
            "missing key 'shape'"),
        bad(
            "missing data_offsets",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
            "'w'",
            "missing key 'data_offsets'"),
        bad(
            "unknown dtype",
            file(
                "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}",
                new byte[1]),
            "'w'",
            "unknown dtype",
            "actual F8_E4M3",
            "BF16"),
        bad(
            "negative dimension",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]),
            "'w'",
            "shape[0]",
            "actual -1",
            "non-negative integer"),
        bad(
            "fractional dimension",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,4]}}", new byte[4]),
            "'w'",
            "shape[0]",
            "actual 2.5"),
        bad(
            "shape overflows a long",
            file(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
                new byte[4]),
            "'w'",
            "overflow"),
        bad(
            "offsets disagree with shape",
            file(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}",
                new byte[12]),
            "'w'",
            "actual 12",
            "expected 16 (F32 [2, 2])"),
        bad(
            "begin after end",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", new byte[8]),
            "'w'",
            "actual 8 > end 4"),
        bad(
            "end past the data region",
            file("{\"w\":" + F32_1 + "}", new byte[2]),
            "'w'",
            "past the data region",
            "actual 4",
            "<= 2"),
        bad(
            "overlapping tensors",
            file(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
                new byte[24]),
            "'b'",
            "overlap tensor 'a'",
            "actual begin 8",
            "begin >= 16"),
        bad(
            "gap between tensors",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
            "'w'",
            "gap",
            "actual begin 4",
            "expected begin 0"),
        bad(
            "trailing bytes after the last tensor",
            file("{\"w\":" + F32_1 + "}", new byte[8]),
            "not fully covered",
            "actual 4 trailing bytes"),
        bad(
            "duplicate tensor names",
            file("{\"w\":" + F32_1 + ",\"w\":" + F32_1 + "}", new byte[4]),
            "'w'",
            "duplicate tensor name: actual 2 entries"),
        bad(
            "duplicate key inside an entry",
            file(
                "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                new byte[4]),
            "Duplicate field 'dtype'"),
        bad(
            "data_offsets of three numbers",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]}}", new byte[4]),
            "'w'",
            "data_offsets",
            "an array of 2 non-negative integers"),
        bad(
            "unknown key in an entry",
            file(
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"foo\":1}}",
                new byte[4]),
            "'w'",
            "unknown key: actual 'foo'"),
        bad(
            "metadata value not a string",
            file("{\"__metadata__\":{\"k\":1}}", new byte[0]),
            "__metadata__ value of 'k'",
            "actual 1",
            "a string"));
  }

  private static Arguments bad(String what, byte[] content, String... fragments) {
    return Arguments.of(what, content, fragments);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void rejectsMalformedFileNamingFileTensorAndValues(
      String what, byte[] content, String[] fragments) throws Exception {
    Path path = write(dir, "bad.safetensors", content);
    SafetensorsFormatException e =
        assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(path), what);
    assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(
          e.getMessage().contains(fragment), () -> "'" + fragment + "' not in: " + e.getMessage());
    }
  }
}
