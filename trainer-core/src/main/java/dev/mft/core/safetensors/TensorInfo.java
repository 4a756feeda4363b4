package dev.mft.core.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * Name, dtype, shape and byte size of one stored tensor. A shape of length 0 is a scalar (one
 * element); a dimension of 0 makes an empty tensor (zero bytes).
 */
public record TensorInfo(String name, SafetensorsDType dtype, long[] shape, long byteSize) {

  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, () -> "dtype of tensor '" + name + "'");
    Objects.requireNonNull(shape, () -> "shape of tensor '" + name + "'");
    shape = shape.clone();
    long expected;
    try {
      expected = byteSizeOf(dtype, shape);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
    }
    if (byteSize != expected) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "': byteSize actual "
              + byteSize
              + ", expected "
              + expected
              + " ("
              + dtype
              + " "
              + Arrays.toString(shape)
              + ")");
    }
  }

  /** The info of a tensor of {@code dtype} and {@code shape}, its size computed. */
  public static TensorInfo of(String name, SafetensorsDType dtype, long... shape) {
    Objects.requireNonNull(shape, "shape");
    return new TensorInfo(name, dtype, shape, byteSizeOf(dtype, shape));
  }

  /**
   * Bytes needed by {@code shape} elements of {@code dtype}.
   *
   * @throws IllegalArgumentException on a negative dimension
   * @throws ArithmeticException if the size does not fit in a long
   */
  static long byteSizeOf(SafetensorsDType dtype, long[] shape) {
    long elements = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      elements = Math.multiplyExact(elements, dim);
    }
    return Math.multiplyExact(elements, (long) dtype.byteSize());
  }

  /** A copy of the shape. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Number of dimensions (0 for a scalar). */
  public int rank() {
    return shape.length;
  }

  /** Number of elements (1 for a scalar). */
  public long numElements() {
    return byteSize / dtype.byteSize();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && byteSize == t.byteSize;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), byteSize);
  }

  @Override
  public String toString() {
    return name + " " + dtype + " " + Arrays.toString(shape) + " (" + byteSize + " bytes)";
  }
}
