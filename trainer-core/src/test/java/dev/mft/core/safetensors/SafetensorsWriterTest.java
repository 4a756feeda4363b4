package dev.mft.core.safetensors;

import static dev.mft.core.safetensors.HandBuiltFiles.bytes;
import static dev.mft.core.safetensors.HandBuiltFiles.file;
import static dev.mft.core.safetensors.HandBuiltFiles.toArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
  @TempDir Path dir;

  /**
   * The test vector of huggingface/safetensors' own unit test {@code
   * test_serialization_forced_alignement}: "attn0", F32 [1, 1, 2, 3] = 0..5. Its header is 65
   * bytes, padded with 7 spaces to 72.
   */
  private static final byte[] HF_ATTN0 =
      bytes(
          72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121,
          112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44,
          49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115,
          34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0,
          128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64);

  private static final byte[] FLOATS_0_TO_5 =
      bytes(
          0x00, 0x00, 0x00, 0x00, // 0f
          0x00, 0x00, 0x80, 0x3F, // 1f
          0x00, 0x00, 0x00, 0x40, // 2f
          0x00, 0x00, 0x40, 0x40, // 3f
          0x00, 0x00, 0x80, 0x40, // 4f
          0x00, 0x00, 0xA0, 0x40); // 5f

  @Test
  void oneTensorFileEqualsHandBuiltBytes() throws Exception {
    Path path = dir.resolve("attn0.safetensors");
    SafetensorsWriter.write(
        path,
        List.of(
            TensorEntry.of(
                "attn0",
                SafetensorsDType.F32,
                new long[] {1, 1, 2, 3},
                ByteBuffer.wrap(FLOATS_0_TO_5))),
        Map.of());

    byte[] handBuilt =
        file(
            "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}"
                + " ".repeat(7),
            FLOATS_0_TO_5);
    assertArrayEquals(handBuilt, Files.readAllBytes(path));
    assertArrayEquals(HF_ATTN0, handBuilt, "our hand-built bytes match the reference's vector");
  }

  /** huggingface/safetensors' {@code test_empty} vector: no tensors, metadata framework=pt. */
  @Test
  void metadataOnlyFileEqualsReferenceVector() throws Exception {
    Path path = dir.resolve("meta.safetensors");
    SafetensorsWriter.write(path, List.of(), Map.of("framework", "pt"));
    byte[] expected =
        bytes(
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95,
            34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34,
            125, 125, 32, 32, 32, 32, 32);
    assertArrayEquals(expected, Files.readAllBytes(path));
  }

  @Test
  void roundTripsEveryDTypeIncludingBf16ScalarAndEmpty() throws Exception {
    Random random = new Random(1234);
    List<TensorEntry> entries = new ArrayList<>();
    Map<String, byte[]> expected = new HashMap<>();
    addRandom(entries, expected, random, "f64", SafetensorsDType.F64, 2);
    addRandom(entries, expected, random, "f32.matrix", SafetensorsDType.F32, 2, 3);
    addRandom(entries, expected, random, "f16", SafetensorsDType.F16, 3);
    addRandom(entries, expected, random, "i64", SafetensorsDType.I64, 1);
    addRandom(entries, expected, random, "i32.scalar", SafetensorsDType.I32);
    addRandom(entries, expected, random, "i16.empty", SafetensorsDType.I16, 0, 3);
    addRandom(entries, expected, random, "i8", SafetensorsDType.I8, 4);
    addRandom(entries, expected, random, "u8", SafetensorsDType.U8, 3);
    addRandom(entries, expected, random, "bool", SafetensorsDType.BOOL, 2);
    // bf16 1.0 = 0x3F80, -2.0 = 0xC000: raw bytes, no conversion anywhere
    byte[] bf16 = bytes(0x80, 0x3F, 0x00, 0xC0);
    entries.add(
        TensorEntry.of("bf16", SafetensorsDType.BF16, new long[] {2}, ByteBuffer.wrap(bf16)));
    expected.put("bf16", bf16);
    byte[] streamed = new byte[64];
    random.nextBytes(streamed);
    entries.add(
        TensorEntry.streamed(
            "streamed",
            SafetensorsDType.F32,
            new long[] {4, 4},
            out -> {
              out.write(ByteBuffer.wrap(streamed, 0, 10)); // in pieces, as a large tensor would
              out.write(ByteBuffer.wrap(streamed, 10, 54));
            }));
    expected.put("streamed", streamed);
    Collections.shuffle(entries, random);

    Path path = dir.resolve("all.safetensors");
    SafetensorsWriter.write(path, entries, Map.of("format", "pt", "note", "round trip"));

    try (SafetensorsFile f = SafetensorsFile.open(path)) {
      List<String> sortedNames = expected.keySet().stream().sorted().toList();
      assertEquals(sortedNames, f.names());
      assertEquals(Map.of("format", "pt", "note", "round trip"), f.metadata());
      for (TensorEntry e : entries) {
        assertEquals(e.info(), f.info(e.name()));
        assertArrayEquals(expected.get(e.name()), toArray(f.data(e.name())), e.name());
      }
      assertEquals(0, f.info("i32.scalar").rank());
      assertEquals(1, f.info("i32.scalar").numElements());
      assertEquals(0, f.info("i16.empty").byteSize());
    }
  }

  private static void addRandom(
      List<TensorEntry> entries,
      Map<String, byte[]> expected,
      Random random,
      String name,
      SafetensorsDType dtype,
      long... shape) {
    long elements = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    byte[] data = new byte[(int) (elements * dtype.byteSize())];
    random.nextBytes(data);
    entries.add(TensorEntry.of(name, dtype, shape, ByteBuffer.wrap(data)));
    expected.put(name, data);
  }

  @Test
  void outputDoesNotDependOnInputOrder() throws Exception {
    TensorEntry a =
        TensorEntry.of("a", SafetensorsDType.U8, new long[] {1}, ByteBuffer.wrap(bytes(1)));
    TensorEntry b =
        TensorEntry.of("b", SafetensorsDType.U8, new long[] {2}, ByteBuffer.wrap(bytes(2, 3)));
    Path ab = dir.resolve("ab.safetensors");
    Path ba = dir.resolve("ba.safetensors");
    SafetensorsWriter.write(ab, List.of(a, b), Map.of("x", "1", "y", "2"));
    SafetensorsWriter.write(ba, List.of(b, a), Map.of("y", "2", "x", "1"));
    assertArrayEquals(Files.readAllBytes(ab), Files.readAllBytes(ba));
    byte[] file = Files.readAllBytes(ab);
    int headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getInt();
    String header = new String(file, 8, headerLength, StandardCharsets.UTF_8);
    assertTrue(
        header.startsWith(
            "{\"__metadata__\":{\"x\":\"1\",\"y\":\"2\"},\"a\":{\"dtype\":\"U8\",\"shape\":[1],"
                + "\"data_offsets\":[0,1]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}"),
        header);
  }

  @Test
  void rejectsBufferWhoseSizeDisagreesWithShape() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TensorEntry.of(
                    "w", SafetensorsDType.F32, new long[] {2, 2}, ByteBuffer.allocate(12)));
    assertTrue(
        e.getMessage().contains("'w'") && e.getMessage().contains("12 bytes, expected 16"),
        e.getMessage());
  }

  @Test
  void callbackWritingTooFewBytesLeavesNoFileBehind() throws Exception {
    Path path = dir.resolve("short.safetensors");
    TensorEntry shortOne =
        TensorEntry.streamed(
            "w", SafetensorsDType.F32, new long[] {2}, out -> out.write(ByteBuffer.allocate(4)));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> SafetensorsWriter.write(path, List.of(shortOne), Map.of()));
    assertTrue(
        e.getMessage().contains("'w'") && e.getMessage().contains("produced 4 bytes, expected 8"),
        e.getMessage());
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(List.of(), left.toList(), "neither target nor temp file remains");
    }
  }

  @Test
  void rejectsDuplicateAndReservedNames() {
    TensorEntry w =
        TensorEntry.of("w", SafetensorsDType.U8, new long[] {1}, ByteBuffer.wrap(bytes(1)));
    IllegalArgumentException dup =
        assertThrows(
            IllegalArgumentException.class,
            () -> SafetensorsWriter.write(dir.resolve("d.safetensors"), List.of(w, w), Map.of()));
    assertTrue(dup.getMessage().contains("duplicate tensor name 'w'"), dup.getMessage());
    TensorEntry reserved =
        TensorEntry.of(
            "__metadata__", SafetensorsDType.U8, new long[] {1}, ByteBuffer.wrap(bytes(1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> SafetensorsWriter.write(dir.resolve("r.safetensors"), List.of(reserved), Map.of()));
    assertFalse(Files.exists(dir.resolve("d.safetensors")));
  }

  @Test
  void headerIsPaddedWithSpacesToMultipleOfEight() {
    for (int nameLength = 1; nameLength <= 9; nameLength++) {
      byte[] header =
          SafetensorsWriter.header(
              List.of(TensorInfo.of("x".repeat(nameLength), SafetensorsDType.U8, 1)), Map.of());
      String text = new String(header, StandardCharsets.US_ASCII);
      String json = text.stripTrailing();
      assertEquals(0, header.length % 8, text);
      assertTrue(header.length - json.length() < 8, text);
      assertTrue(
          json.endsWith("}") && text.substring(json.length()).chars().allMatch(c -> c == ' '),
          text);
    }
  }
}
