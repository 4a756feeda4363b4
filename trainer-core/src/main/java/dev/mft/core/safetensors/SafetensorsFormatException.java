package dev.mft.core.safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A safetensors file, or a checkpoint folder's index, that breaks the format. The message names the
 * file, the tensor (where one is to blame) and what was found against what was expected.
 */
public final class SafetensorsFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;

  /**
   * @param file the file at fault
   * @param tensor the tensor at fault, or null for the file as a whole
   * @param problem what is wrong, ideally "what: actual X, expected Y"
   */
  public SafetensorsFormatException(Path file, String tensor, String problem) {
    super(file + (tensor == null ? "" : ": tensor '" + tensor + "'") + ": " + problem);
    this.file = file;
    this.tensor = tensor;
  }

  /** The "what: actual X, expected Y" form every validation message uses. */
  static SafetensorsFormatException mismatch(
      Path file, String tensor, String what, Object actual, Object expected) {
    return new SafetensorsFormatException(
        file, tensor, what + ": actual " + actual + ", expected " + expected);
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The tensor at fault, if the problem is in one tensor's entry. */
  public Optional<String> tensor() {
    return Optional.ofNullable(tensor);
  }
}
