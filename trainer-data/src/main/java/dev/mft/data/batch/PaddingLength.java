package dev.mft.data.batch;

/** How long padded rows are. */
public enum PaddingLength {
    /** As long as the longest example of the batch (MFTCoder's use_dynamic_padding=true). */
    LONGEST_IN_BATCH,
    /** Always seq_length: fixed shapes, e.g. to measure peak memory. */
    SEQ_LENGTH
}
