package dev.mft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardPlanTest {
  private static TensorInfo u8(String name, long bytes) {
    return TensorInfo.of(name, SafetensorsDType.U8, bytes);
  }

  private static List<List<String>> layout(ShardPlan plan) {
    return plan.shards().stream()
        .map(s -> s.tensors().stream().map(TensorInfo::name).toList())
        .toList();
  }

  /**
   * huggingface_hub's rule, worked by hand for sizes a=4 b=4 c=4 d=12 e=2 and limit 10: a, b fill
   * 8; c would make 12 so [a, b] closes; d alone exceeds 10 and becomes its own shard at once; e
   * joins c. Files are numbered in that order.
   */
  @Test
  void followsHuggingFaceGreedyRule() {
    ShardPlan plan =
        ShardPlan.of(List.of(u8("e", 2), u8("d", 12), u8("c", 4), u8("b", 4), u8("a", 4)), 10);
    assertEquals(List.of(List.of("a", "b"), List.of("d"), List.of("c", "e")), layout(plan));
    assertEquals(
        List.of(
            "model-00001-of-00003.safetensors",
            "model-00002-of-00003.safetensors",
            "model-00003-of-00003.safetensors"),
        plan.shards().stream().map(ShardPlan.Shard::fileName).toList());
    assertEquals(26, plan.totalSize());
    assertTrue(plan.isSharded());
    assertEquals(
        Map.of(
            "a", "model-00001-of-00003.safetensors",
            "b", "model-00001-of-00003.safetensors",
            "c", "model-00003-of-00003.safetensors",
            "d", "model-00002-of-00003.safetensors",
            "e", "model-00003-of-00003.safetensors"),
        plan.weightMap());
  }

  @Test
  void exactFitStaysInOneShard() {
    ShardPlan plan = ShardPlan.of(List.of(u8("a", 6), u8("b", 4)), 10);
    assertEquals(List.of(List.of("a", "b")), layout(plan));
    assertEquals("model.safetensors", plan.shards().get(0).fileName());
    assertFalse(plan.isSharded());
  }

  @Test
  void emptyModelIsOneEmptyFile() {
    ShardPlan plan = ShardPlan.of(List.of(), 10);
    assertEquals(List.of(List.of()), layout(plan));
    assertEquals("model.safetensors", plan.shards().get(0).fileName());
  }

  @Test
  void rejectsDuplicateNamesAndNonPositiveLimit() {
    assertThrows(
        IllegalArgumentException.class, () -> ShardPlan.of(List.of(u8("a", 1), u8("a", 2)), 10));
    assertThrows(IllegalArgumentException.class, () -> ShardPlan.of(List.of(u8("a", 1)), 0));
  }
}
