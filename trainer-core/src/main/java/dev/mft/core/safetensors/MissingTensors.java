package dev.mft.core.safetensors;

import java.util.Collection;
import java.util.Comparator;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;

/** Builds the error for a tensor name that is not there, with the closest names that are. */
final class MissingTensors {
  private static final int SUGGESTIONS = 5;

  private MissingTensors() {}

  static NoSuchElementException error(Object where, String missing, Collection<String> available) {
    String closest =
        available.stream()
            .sorted(
                Comparator.comparingInt((String n) -> -commonPrefix(n, missing))
                    .thenComparing(Comparator.naturalOrder()))
            .limit(SUGGESTIONS)
            .collect(
                Collectors.joining(", ", "[", available.size() > SUGGESTIONS ? ", ...]" : "]"));
    return new NoSuchElementException(
        where
            + ": no tensor '"
            + missing
            + "' among "
            + available.size()
            + " tensors; closest names: "
            + closest);
  }

  private static int commonPrefix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int i = 0;
    while (i < n && a.charAt(i) == b.charAt(i)) {
      i++;
    }
    return i;
  }
}
