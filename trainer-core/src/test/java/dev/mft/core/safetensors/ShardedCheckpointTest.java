package dev.mft.core.safetensors;

import static dev.mft.core.safetensors.HandBuiltFiles.toArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedCheckpointTest {
  @TempDir Path dir;

  /** Sizes a=4 b=4 c=4 d=12 e=2; byte i of tensor t is t's first letter + i, so mixes show. */
  private static Map<String, byte[]> model() {
    Map<String, byte[]> model = new LinkedHashMap<>();
    int[] sizes = {4, 4, 4, 12, 2};
    for (int t = 0; t < sizes.length; t++) {
      String name = String.valueOf((char) ('a' + t));
      byte[] data = new byte[sizes[t]];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (name.charAt(0) + i);
      }
      model.put(name, data);
    }
    return model;
  }

  private static List<TensorEntry> entries(Map<String, byte[]> model) {
    return model.entrySet().stream()
        .map(
            e ->
                TensorEntry.of(
                    e.getKey(),
                    SafetensorsDType.U8,
                    new long[] {e.getValue().length},
                    ByteBuffer.wrap(e.getValue())))
        .toList();
  }

  private List<String> filesIn(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void assertReadsBack(Path folder, Map<String, byte[]> model) throws IOException {
    try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(folder)) {
      assertEquals(
          model.keySet().stream().sorted().toList(), ckpt.names().stream().sorted().toList());
      for (Map.Entry<String, byte[]> e : model.entrySet()) {
        assertArrayEquals(e.getValue(), toArray(ckpt.data(e.getKey())), e.getKey());
        assertEquals(e.getValue().length, ckpt.info(e.getKey()).byteSize());
      }
      for (SafetensorsFile f : ckpt.files()) {
        assertEquals(
            "pt", f.metadata().get("format"), "transformers needs format=pt in " + f.path());
      }
    }
  }

  @Test
  void tinyShardLimitGivesHuggingFaceNamesAndIndex() throws Exception {
    Map<String, byte[]> model = model();
    ShardedCheckpointWriter.write(dir, entries(model), Map.of(), 10);

    assertEquals(
        List.of(
            "model-00001-of-00003.safetensors",
            "model-00002-of-00003.safetensors",
            "model-00003-of-00003.safetensors",
            "model.safetensors.index.json"),
        filesIn(dir));
    // json.dumps(index, indent=2, sort_keys=True) + "\n", as transformers writes it
    String expectedIndex =
        "{\n"
            + "  \"metadata\": {\n"
            + "    \"total_size\": 26\n"
            + "  },\n"
            + "  \"weight_map\": {\n"
            + "    \"a\": \"model-00001-of-00003.safetensors\",\n"
            + "    \"b\": \"model-00001-of-00003.safetensors\",\n"
            + "    \"c\": \"model-00003-of-00003.safetensors\",\n"
            + "    \"d\": \"model-00002-of-00003.safetensors\",\n"
            + "    \"e\": \"model-00003-of-00003.safetensors\"\n"
            + "  }\n"
            + "}\n";
    assertEquals(expectedIndex, Files.readString(dir.resolve("model.safetensors.index.json")));
    try (SafetensorsFile shard3 =
        SafetensorsFile.open(dir.resolve("model-00003-of-00003.safetensors"))) {
      assertEquals(List.of("c", "e"), shard3.names());
    }
    try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
      assertTrue(ckpt.isSharded());
      assertEquals(List.of("a", "b", "d", "c", "e"), ckpt.names(), "file by file, offset order");
      assertEquals(
          "model-00002-of-00003.safetensors", ckpt.fileOf("d").path().getFileName().toString());
    }
    assertReadsBack(dir, model);
  }

  @Test
  void everythingFittingGivesOneFileWithoutIndex() throws Exception {
    Map<String, byte[]> model = model();
    ShardedCheckpointWriter.write(dir, entries(model));
    assertEquals(List.of("model.safetensors"), filesIn(dir));
    try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
      assertFalse(ckpt.isSharded());
    }
    assertReadsBack(dir, model);
  }

  /**
   * Layouts worked by hand for sizes a=4 b=4 c=4 d=12 e=2: limit 10 gives [a,b] [d] [c,e]; 16 gives
   * [a,b,c] [d,e]; 100 gives one file; 12 gives [a,b,c] [d] [e].
   */
  @Test
  void rewritingWithOtherLayoutsLeavesNoStaleWeights() throws Exception {
    Map<String, byte[]> model = model();
    Files.writeString(dir.resolve("config.json"), "{}");

    ShardedCheckpointWriter.write(dir, entries(model), Map.of(), 10);
    ShardedCheckpointWriter.write(dir, entries(model), Map.of(), 16);
    assertEquals(
        List.of(
            "config.json",
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "model.safetensors.index.json"),
        filesIn(dir));
    assertReadsBack(dir, model);

    ShardedCheckpointWriter.write(dir, entries(model), Map.of(), 100);
    assertEquals(List.of("config.json", "model.safetensors"), filesIn(dir));
    assertReadsBack(dir, model);

    ShardedCheckpointWriter.write(dir, entries(model), Map.of(), 12);
    assertEquals(
        List.of(
            "config.json",
            "model-00001-of-00003.safetensors",
            "model-00002-of-00003.safetensors",
            "model-00003-of-00003.safetensors",
            "model.safetensors.index.json"),
        filesIn(dir),
        "model.safetensors must go: readers prefer it over the index");
    assertReadsBack(dir, model);
  }

  @Test
  void singleFileWinsOverIndexLikeTransformers() throws Exception {
    Map<String, byte[]> model = model();
    ShardedCheckpointWriter.write(dir, entries(model), Map.of(), 10);
    Map<String, byte[]> other = Map.of("z", new byte[] {9});
    SafetensorsWriter.write(
        dir.resolve("model.safetensors"), entries(other), Map.of("format", "pt"));
    try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
      assertEquals(List.of("z"), ckpt.names());
    }
  }

  @Test
  void folderWithoutWeightsIsClearError() {
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> ShardedCheckpoint.open(dir));
    assertTrue(e.getMessage().contains("model.safetensors.index.json"), e.getMessage());
  }

  private void writeIndex(String weightMapEntries) throws IOException {
    Files.writeString(
        dir.resolve("model.safetensors.index.json"),
        "{\"metadata\": {\"total_size\": 4}, \"weight_map\": {" + weightMapEntries + "}}");
  }

  private SafetensorsFormatException openFails() {
    return assertThrows(SafetensorsFormatException.class, () -> ShardedCheckpoint.open(dir));
  }

  @Test
  void indexNamingMissingFileIsError() throws Exception {
    writeIndex("\"w\": \"model-00001-of-00002.safetensors\"");
    SafetensorsFormatException e = openFails();
    String m = e.getMessage();
    assertTrue(m.contains("model.safetensors.index.json") && m.contains("'w'"), m);
    assertTrue(m.contains("model-00001-of-00002.safetensors") && m.contains("actual missing"), m);
  }

  @Test
  void indexMappingTensorToFileWithoutItIsError() throws Exception {
    SafetensorsWriter.write(
        dir.resolve("model-00001-of-00001.safetensors"),
        entries(Map.of("a", new byte[4])),
        Map.of());
    writeIndex(
        "\"a\": \"model-00001-of-00001.safetensors\", \"w\": \"model-00001-of-00001.safetensors\"");
    String m = openFails().getMessage();
    assertTrue(m.contains("'w'") && m.contains("does not hold this tensor"), m);
  }

  @Test
  void indexPointingOutsideTheFolderIsError() throws Exception {
    writeIndex("\"w\": \"../elsewhere.safetensors\"");
    String m = openFails().getMessage();
    assertTrue(m.contains("'w'") && m.contains("../elsewhere.safetensors"), m);
  }

  @Test
  void indexWithoutWeightMapIsError() throws Exception {
    Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\": {}}");
    String m = openFails().getMessage();
    assertTrue(m.contains("weight_map") && m.contains("actual missing"), m);
  }

  @Test
  void corruptShardIsReportedWithItsFileName() throws Exception {
    Files.write(dir.resolve("model-00001-of-00001.safetensors"), new byte[] {1, 2});
    writeIndex("\"w\": \"model-00001-of-00001.safetensors\"");
    String m = openFails().getMessage();
    assertTrue(m.contains("model-00001-of-00001.safetensors: file size"), m);
  }
}
