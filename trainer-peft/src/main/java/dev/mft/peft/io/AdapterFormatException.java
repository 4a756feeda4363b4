package dev.mft.peft.io;

/** An adapter folder that mft cannot read or that does not fit the base model; the message names file and field. */
public final class AdapterFormatException extends IllegalArgumentException {
    public AdapterFormatException(String message) {
        super(message);
    }
}
