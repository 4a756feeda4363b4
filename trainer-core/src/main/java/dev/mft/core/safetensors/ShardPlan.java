package dev.mft.core.safetensors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which tensor goes into which file of a HuggingFace checkpoint folder, decided the way
 * huggingface_hub's {@code split_state_dict_into_shards_factory} decides: walk the tensors (here
 * sorted by name, for determinism) and start a new shard when the next tensor would push the
 * current one past the limit; a tensor larger than the limit gets a shard of its own. One shard is
 * named {@code model.safetensors}; n shards are {@code model-0000i-of-0000n.safetensors}. The limit
 * counts tensor bytes only, not headers, as in HF.
 *
 * @param shards in file order
 * @param totalSize the sum of all tensors' byte sizes (the index's {@code total_size})
 */
public record ShardPlan(List<Shard> shards, long totalSize) {

  /** One file and the tensors it holds, sorted by name. */
  public record Shard(String fileName, List<TensorInfo> tensors) {
    public Shard {
      tensors = List.copyOf(tensors);
    }

    /** Sum of the tensors' byte sizes. */
    public long bytes() {
      return tensors.stream().mapToLong(TensorInfo::byteSize).sum();
    }
  }

  public ShardPlan {
    shards = List.copyOf(shards);
  }

  /**
   * Plans {@code tensors} into shards of at most {@code maxShardBytes} tensor bytes each (except a
   * single tensor that alone exceeds it).
   *
   * @throws IllegalArgumentException on duplicate names or a limit below 1
   */
  public static ShardPlan of(Collection<TensorInfo> tensors, long maxShardBytes) {
    if (maxShardBytes < 1) {
      throw new IllegalArgumentException("maxShardBytes must be >= 1, got " + maxShardBytes);
    }
    List<TensorInfo> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparing(TensorInfo::name));
    List<List<TensorInfo>> groups = new ArrayList<>();
    List<TensorInfo> current = new ArrayList<>();
    long currentBytes = 0;
    long total = 0;
    String previous = null;
    for (TensorInfo t : sorted) {
      if (t.name().equals(previous)) {
        throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
      }
      previous = t.name();
      total += t.byteSize();
      if (t.byteSize() > maxShardBytes) {
        groups.add(List.of(t));
        continue;
      }
      if (currentBytes + t.byteSize() > maxShardBytes) {
        groups.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(t);
      currentBytes += t.byteSize();
    }
    if (!current.isEmpty() || groups.isEmpty()) {
      groups.add(current); // an empty model still gets its (empty) model.safetensors
    }
    List<Shard> shards = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      shards.add(new Shard(fileName(i, groups.size()), groups.get(i)));
    }
    return new ShardPlan(shards, total);
  }

  /** HF's names: {@code model.safetensors} alone, else 1-based five-digit numbering. */
  static String fileName(int index, int count) {
    return count == 1
        ? ShardedCheckpoint.SINGLE_FILE
        : String.format("model-%05d-of-%05d.safetensors", index + 1, count);
  }

  /** Whether the plan needs an index file (more than one shard). */
  public boolean isSharded() {
    return shards.size() > 1;
  }

  /** Tensor name to file name, sorted by tensor name: the index's {@code weight_map}. */
  public Map<String, String> weightMap() {
    Map<String, String> map = new TreeMap<>();
    for (Shard shard : shards) {
      for (TensorInfo t : shard.tensors()) {
        map.put(t.name(), shard.fileName());
      }
    }
    return map;
  }
}
