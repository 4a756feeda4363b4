package dev.mft.data.read;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where readers send bad records: under {@link OnBadData#FAIL} the record's exception is thrown, under
 * {@link OnBadData#SKIP} it is counted by kind and the first few are kept for the report, so nothing is dropped
 * without a trace.
 */
public final class BadDataLog {

    private static final Logger LOG = LoggerFactory.getLogger(BadDataLog.class);
    /** How many skipped records are quoted in full; the rest are only counted. */
    public static final int QUOTED = 5;

    private final OnBadData policy;
    private final Map<BadDataKind, Integer> counts = new EnumMap<>(BadDataKind.class);
    private final List<String> first = new ArrayList<>();

    public BadDataLog(OnBadData policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** A log that fails at the first bad record. */
    public static BadDataLog failing() {
        return new BadDataLog(OnBadData.FAIL);
    }

    public OnBadData policy() {
        return policy;
    }

    /** Throws {@code problem} (FAIL) or records it (SKIP). */
    public synchronized void report(DataFormatException problem) {
        if (policy == OnBadData.FAIL) {
            throw problem;
        }
        counts.merge(problem.kind(), 1, Integer::sum);
        if (first.size() < QUOTED) {
            first.add(problem.getMessage());
            LOG.warn("skipping bad record: {}", problem.getMessage());
        }
    }

    /** Skipped records by kind (kinds with none left out). */
    public synchronized Map<BadDataKind, Integer> counts() {
        return Map.copyOf(counts);
    }

    public synchronized int skipped() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The messages of the first {@link #QUOTED} skipped records. */
    public synchronized List<String> firstSkipped() {
        return List.copyOf(first);
    }

    /** One line such as {@code "3 bad records skipped (2 unknown role, 1 no assistant reply); first: ..."}. */
    public synchronized String summary() {
        if (counts.isEmpty()) {
            return "no bad records";
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((kind, n) -> parts.add(n + " " + kind.label()));
        return skipped() + " bad record(s) skipped (" + String.join(", ", parts) + "); first: " + first.get(0);
    }
}
