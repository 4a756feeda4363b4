package dev.mft.core.safetensors;

import static dev.mft.core.safetensors.SafetensorsFormatException.mismatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The weights of a HuggingFace model folder as one name -> tensor view: either a single {@code
 * model.safetensors} or the shards listed by {@code model.safetensors.index.json}. When both are
 * present the single file wins, as in transformers (and as {@link ShardedCheckpointWriter}'s write
 * order relies on). Opening validates every file (see {@link SafetensorsFile}) and that each file
 * the index names exists and holds every tensor mapped to it; tensors a shard holds but the index
 * does not map are not part of the view, as in transformers.
 */
public final class ShardedCheckpoint implements AutoCloseable {
  /** The single-file weights name. */
  public static final String SINGLE_FILE = "model.safetensors";

  /** The index that lists the shards of a sharded checkpoint. */
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final Path folder;
  private final List<SafetensorsFile> files;
  private final Map<String, SafetensorsFile> fileOf; // in names() order
  private final List<String> names;
  private final boolean sharded;

  private ShardedCheckpoint(
      Path folder,
      boolean sharded,
      List<SafetensorsFile> files,
      Map<String, SafetensorsFile> fileOf) {
    this.folder = folder;
    this.sharded = sharded;
    this.files = List.copyOf(files);
    this.fileOf = Collections.unmodifiableMap(fileOf);
    this.names = List.copyOf(fileOf.keySet());
  }

  /**
   * Opens the weights in {@code folder}.
   *
   * @throws NoSuchFileException if the folder has neither weights file
   * @throws SafetensorsFormatException if a file or the index breaks the format
   */
  public static ShardedCheckpoint open(Path folder) throws IOException {
    Path single = folder.resolve(SINGLE_FILE);
    Path index = folder.resolve(INDEX_FILE);
    if (Files.isRegularFile(single)) {
      SafetensorsFile file = SafetensorsFile.open(single);
      Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
      file.names().forEach(n -> fileOf.put(n, file));
      return new ShardedCheckpoint(folder, false, List.of(file), fileOf);
    }
    if (Files.isRegularFile(index)) {
      return openSharded(folder, index);
    }
    throw new NoSuchFileException(
        folder.toString(), null, "no " + SINGLE_FILE + " or " + INDEX_FILE + " in this folder");
  }

  private static ShardedCheckpoint openSharded(Path folder, Path index) throws IOException {
    Map<String, String> weightMap = CheckpointIndex.readWeightMap(index);
    // group by file, files in name order (= shard order for HF names), so names() reads
    // sequentially
    Map<String, Set<String>> tensorsByFile = new TreeMap<>();
    weightMap.forEach(
        (tensor, file) ->
            tensorsByFile.computeIfAbsent(file, f -> new LinkedHashSet<>()).add(tensor));
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
      for (Map.Entry<String, Set<String>> e : tensorsByFile.entrySet()) {
        Path path = folder.resolve(e.getKey());
        if (!Files.isRegularFile(path)) {
          throw mismatch(
              index,
              e.getValue().iterator().next(),
              "weight_map file " + e.getKey(),
              "missing",
              "an existing file in " + folder);
        }
        SafetensorsFile file = SafetensorsFile.open(path);
        opened.add(file);
        for (String tensor : e.getValue()) {
          if (!file.contains(tensor)) {
            throw mismatch(
                index,
                tensor,
                "weight_map file " + e.getKey() + " does not hold this tensor",
                file.names().size() + " other tensors",
                "the tensor in that file");
          }
        }
        for (String tensor : file.names()) {
          if (e.getValue().contains(tensor)) {
            fileOf.put(tensor, file);
          }
        }
      }
      return new ShardedCheckpoint(folder, true, opened, fileOf);
    } catch (IOException | RuntimeException e) {
      opened.forEach(SafetensorsFile::close);
      throw e;
    }
  }

  /** The model folder. */
  public Path folder() {
    return folder;
  }

  /** Whether the weights came from an index and its shards. */
  public boolean isSharded() {
    return sharded;
  }

  /** The opened files, in file-name order. */
  public List<SafetensorsFile> files() {
    return files;
  }

  /** All tensor names: file by file in file-name order, each file's in offset order. */
  public List<String> names() {
    return names;
  }

  /** Whether the checkpoint holds a tensor called {@code name}. */
  public boolean contains(String name) {
    return fileOf.containsKey(name);
  }

  /** The file that holds tensor {@code name}. */
  public SafetensorsFile fileOf(String name) {
    SafetensorsFile file = fileOf.get(name);
    if (file == null) {
      throw MissingTensors.error(folder, name, names);
    }
    return file;
  }

  /** The info of tensor {@code name}; see {@link SafetensorsFile#info}. */
  public TensorInfo info(String name) {
    return fileOf(name).info(name);
  }

  /** The bytes of tensor {@code name}; see {@link SafetensorsFile#data}. */
  public ByteBuffer data(String name) {
    return fileOf(name).data(name);
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }

  @Override
  public String toString() {
    return "ShardedCheckpoint["
        + folder
        + ", "
        + files.size()
        + " files, "
        + names.size()
        + " tensors]";
  }
}
