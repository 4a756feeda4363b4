package dev.mft.data.tokenize;

import java.util.Objects;

/**
 * One training example: input ids and labels aligned with them (not shifted; the loss shifts).
 *
 * <p>{@code labels[i]} is {@code inputIds[i]} where token i is trained, else {@link #IGNORE_INDEX}.
 * Arrays are shared, not copied: treat them as read-only.
 *
 * @param taskId index of the MFT task (data path) the example came from
 */
public record TokenizedExample(int[] inputIds, int[] labels, int taskId) {

    /** The label of a token that is not trained (PyTorch's cross-entropy ignore_index). */
    public static final int IGNORE_INDEX = -100;

    public TokenizedExample {
        Objects.requireNonNull(inputIds, "inputIds");
        Objects.requireNonNull(labels, "labels");
        if (inputIds.length == 0) {
            throw new IllegalArgumentException("empty example; expected at least one token");
        }
        if (labels.length != inputIds.length) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries for "
                    + inputIds.length + " input ids; expected one label per id");
        }
        if (taskId < 0) {
            throw new IllegalArgumentException("taskId " + taskId + "; expected >= 0");
        }
    }

    public int length() {
        return inputIds.length;
    }
}
