package dev.mft.core.safetensors;

import dev.mft.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Writes model weights into a HuggingFace model folder: one {@code model.safetensors} when all
 * tensors fit {@code maxShardBytes}, else {@code model-0000i-of-0000n.safetensors} plus {@code
 * model.safetensors.index.json} (see {@link ShardPlan}). Every file is written atomically.
 *
 * <p>The write order keeps a reader from mixing two checkpoints: a sharded write first deletes the
 * old index (new shards may overwrite old ones of the same name), writes the shards, then the
 * index, and only then deletes a stale {@code model.safetensors} (which readers prefer over an
 * index). A single-file write writes {@code model.safetensors} first. Shards of an earlier write
 * that the new layout does not name are deleted last. A crash therefore leaves the old weights, the
 * new weights, or a folder without an index that fails to open with a clear error; never a silent
 * mix. To keep the old weights readable until the new ones are complete, write into a fresh folder
 * and rename.
 */
public final class ShardedCheckpointWriter {
  /** HF's default "5GB" (decimal), in bytes. */
  public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

  private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

  private ShardedCheckpointWriter() {}

  /** Writes with the default shard size and metadata {@code {"format": "pt"}}. */
  public static ShardPlan write(Path folder, Collection<TensorEntry> tensors) throws IOException {
    return write(folder, tensors, Map.of(), DEFAULT_MAX_SHARD_BYTES);
  }

  /**
   * Writes {@code tensors} into {@code folder}, each file with {@code metadata}; {@code "format":
   * "pt"} is added when absent, because transformers refuses safetensors metadata without a format.
   *
   * @return the layout written
   * @throws IllegalArgumentException on duplicate names or {@code maxShardBytes < 1}
   */
  public static ShardPlan write(
      Path folder,
      Collection<TensorEntry> tensors,
      Map<String, String> metadata,
      long maxShardBytes)
      throws IOException {
    Map<String, TensorEntry> byName =
        tensors.stream()
            .collect(
                Collectors.toMap(
                    TensorEntry::name,
                    Function.identity(),
                    (a, b) -> {
                      throw new IllegalArgumentException(
                          "duplicate tensor name '" + a.name() + "'");
                    },
                    LinkedHashMap::new));
    ShardPlan plan =
        ShardPlan.of(byName.values().stream().map(TensorEntry::info).toList(), maxShardBytes);
    Map<String, String> fileMetadata = new LinkedHashMap<>(metadata);
    fileMetadata.putIfAbsent("format", "pt");

    Files.createDirectories(folder);
    Path index = folder.resolve(ShardedCheckpoint.INDEX_FILE);
    if (plan.isSharded()) {
      Files.deleteIfExists(index);
    }
    for (ShardPlan.Shard shard : plan.shards()) {
      List<TensorEntry> entries = shard.tensors().stream().map(t -> byName.get(t.name())).toList();
      SafetensorsWriter.write(folder.resolve(shard.fileName()), entries, fileMetadata);
    }
    if (plan.isSharded()) {
      AtomicFiles.writeString(index, CheckpointIndex.encode(plan));
      Files.deleteIfExists(folder.resolve(ShardedCheckpoint.SINGLE_FILE));
    } else {
      Files.deleteIfExists(index);
    }
    deleteStaleShards(folder, plan);
    return plan;
  }

  private static void deleteStaleShards(Path folder, ShardPlan plan) throws IOException {
    Set<String> keep = new HashSet<>();
    plan.shards().forEach(s -> keep.add(s.fileName()));
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (SHARD_NAME.matcher(name).matches() && !keep.contains(name)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
