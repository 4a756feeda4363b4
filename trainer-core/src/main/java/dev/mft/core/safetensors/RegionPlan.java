package dev.mft.core.safetensors;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a data region into pieces that each fit one {@link java.nio.MappedByteBuffer} (at most
 * {@code maxRegionBytes}, which is {@link Integer#MAX_VALUE} outside tests), cutting only at tensor
 * boundaries so that every tensor lies wholly inside one piece and can be handed out as a zero-copy
 * slice. A tensor larger than the limit gets no piece: no single ByteBuffer can hold it.
 *
 * @param regions byte ranges relative to the data region, in offset order
 * @param regionOf for each tensor (in the order given to {@link #of}), the index of its region, or
 *     {@link #UNMAPPED} for a tensor larger than the limit
 */
record RegionPlan(List<Region> regions, List<Integer> regionOf) {
  static final int UNMAPPED = -1;

  /** Bytes [start, end) of the data region. */
  record Region(long start, long end) {
    long length() {
      return end - start;
    }
  }

  /**
   * Plans greedily: a region grows over consecutive tensors while it stays within the limit.
   *
   * @param tensors sorted by offset and tiling the data region (as {@link HeaderParser} checks)
   */
  static RegionPlan of(List<StoredTensor> tensors, long maxRegionBytes) {
    if (maxRegionBytes < 1) {
      throw new IllegalArgumentException("maxRegionBytes must be >= 1, got " + maxRegionBytes);
    }
    List<Region> regions = new ArrayList<>();
    List<Integer> regionOf = new ArrayList<>();
    Region open = null;
    for (StoredTensor t : tensors) {
      if (t.end() - t.begin() > maxRegionBytes) {
        // no reset of `open` needed: a later tensor's span from open.start() would include this
        // one and so exceed the limit, which starts a new region
        regionOf.add(UNMAPPED);
      } else if (open != null && t.end() - open.start() <= maxRegionBytes) {
        open = new Region(open.start(), t.end());
        regions.set(regions.size() - 1, open);
        regionOf.add(regions.size() - 1);
      } else {
        open = new Region(t.begin(), t.end());
        regions.add(open);
        regionOf.add(regions.size() - 1);
      }
    }
    return new RegionPlan(List.copyOf(regions), List.copyOf(regionOf));
  }
}
