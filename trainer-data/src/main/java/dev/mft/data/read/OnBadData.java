package dev.mft.data.read;

/** The config key {@code on_bad_data}: what a bad record does to the run. */
public enum OnBadData {
    /** Stop at the first bad record, naming its file and line (the default). */
    FAIL,
    /** Skip bad records, count them by kind and report the count and the first few. */
    SKIP
}
