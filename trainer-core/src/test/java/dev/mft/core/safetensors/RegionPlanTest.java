package dev.mft.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.core.safetensors.RegionPlan.Region;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RegionPlanTest {
  private static final long GB = 1L << 30;

  /** Consecutive tensors of the given sizes, from offset 0. */
  private static List<StoredTensor> tiled(long... sizes) {
    List<StoredTensor> tensors = new ArrayList<>();
    long offset = 0;
    for (int i = 0; i < sizes.length; i++) {
      tensors.add(
          new StoredTensor(
              TensorInfo.of("t" + i, SafetensorsDType.U8, sizes[i]), offset, offset + sizes[i]));
      offset += sizes[i];
    }
    return tensors;
  }

  @Test
  void cutsOnlyAtTensorBoundariesAndSkipsOversizedTensors() {
    // offsets: [0,8) [8,12) [12,20) [20,36) [36,36) [36,40); limit 12
    RegionPlan plan = RegionPlan.of(tiled(8, 4, 8, 16, 0, 4), 12);
    assertEquals(
        List.of(new Region(0, 12), new Region(12, 20), new Region(36, 40)), plan.regions());
    assertEquals(List.of(0, 0, 1, RegionPlan.UNMAPPED, 2, 2), plan.regionOf());
  }

  /** The real limit on a 6.5 GiB file: pure arithmetic, no file needed. */
  @Test
  void plansFilesLargerThanTwoGigabytes() {
    long max = Integer.MAX_VALUE; // 2 GiB - 1
    RegionPlan plan = RegionPlan.of(tiled(3 * GB / 2, GB / 2 - 1, GB, 3 * GB, GB / 2), max);
    long a = 3 * GB / 2;
    long b = a + GB / 2 - 1; // first region ends exactly at 2 GiB - 1
    long c = b + GB;
    long d = c + 3 * GB;
    assertEquals(
        List.of(new Region(0, b), new Region(b, c), new Region(d, d + GB / 2)), plan.regions());
    assertEquals(List.of(0, 0, 1, RegionPlan.UNMAPPED, 2), plan.regionOf());
  }

  @Test
  void everyMappedTensorLiesInsideItsRegionForRandomLayouts() {
    Random random = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      long[] sizes = random.longs(1 + random.nextInt(20), 0, 40).toArray();
      long max = 1 + random.nextInt(50);
      List<StoredTensor> tensors = tiled(sizes);
      RegionPlan plan = RegionPlan.of(tensors, max);
      long previousEnd = 0;
      for (Region r : plan.regions()) {
        assertTrue(r.length() <= max && r.start() >= previousEnd, plan.toString());
        previousEnd = r.end();
      }
      for (int i = 0; i < tensors.size(); i++) {
        StoredTensor t = tensors.get(i);
        int region = plan.regionOf().get(i);
        if (region == RegionPlan.UNMAPPED) {
          assertTrue(t.end() - t.begin() > max, plan.toString());
        } else {
          Region r = plan.regions().get(region);
          assertTrue(r.start() <= t.begin() && t.end() <= r.end(), plan + " tensor " + i);
        }
      }
    }
  }
}
