package dev.mft.core.safetensors;

import java.util.Arrays;
import java.util.Optional;

/**
 * Element types a safetensors header may name, spelled as in the header. Only sizes live here: BF16
 * in particular is never mapped to DJL's {@code DataType.BFLOAT16}, which aborts the JVM.
 */
public enum SafetensorsDType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1);

  private final int byteSize;

  SafetensorsDType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The dtype a header spells {@code name} (case-sensitive, like the format), if known. */
  public static Optional<SafetensorsDType> fromHeader(String name) {
    for (SafetensorsDType dtype : values()) {
      if (dtype.name().equals(name)) {
        return Optional.of(dtype);
      }
    }
    return Optional.empty();
  }

  /**
   * Like {@link #fromHeader} for callers that already know the name must be valid.
   *
   * @throws IllegalArgumentException naming the known dtypes
   */
  public static SafetensorsDType parse(String name) {
    return fromHeader(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown safetensors dtype '" + name + "', expected one of " + knownNames()));
  }

  /** The header spellings of all supported dtypes, for error messages. */
  static String knownNames() {
    return Arrays.toString(values());
  }
}
