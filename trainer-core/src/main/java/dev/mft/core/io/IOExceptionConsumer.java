package dev.mft.core.io;

import java.io.IOException;

/** A consumer that may throw {@link IOException}, for callbacks that write to files or channels. */
@FunctionalInterface
public interface IOExceptionConsumer<T> {
  void accept(T value) throws IOException;
}
