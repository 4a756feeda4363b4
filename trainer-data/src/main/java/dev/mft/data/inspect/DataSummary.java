package dev.mft.data.inspect;

import dev.mft.data.prepare.PreparedDataset;
import dev.mft.data.prepare.TaskExamples;
import dev.mft.data.read.BadDataKind;
import dev.mft.data.tokenize.EncodeStats;
import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts over a prepared dataset: per task its examples, tokens and trained tokens, what was dropped, truncated or
 * skipped, and a histogram of example lengths in power-of-two buckets up to seq_length.
 */
public record DataSummary(List<Task> tasks, Map<BadDataKind, Integer> skipped, int seqLength,
        LinkedHashMap<String, Integer> lengthHistogram) {

    /** One task's counts. */
    public record Task(String name, int examples, long tokens, long trainedTokens, int dropped, int truncated) {}

    public static DataSummary of(PreparedDataset data, int seqLength) {
        List<Task> tasks = new ArrayList<>();
        List<Integer> edges = edges(seqLength);
        int[] counts = new int[edges.size()];
        for (TaskExamples t : data.tasks()) {
            long tokens = 0;
            long trained = 0;
            List<TokenizedExample> all = new ArrayList<>(t.train());
            all.addAll(t.valid());
            for (TokenizedExample e : all) {
                tokens += e.length();
                for (int l : e.labels()) {
                    trained += l == TokenizedExample.IGNORE_INDEX ? 0 : 1;
                }
                int b = 0;
                while (e.length() > edges.get(b)) {
                    b++;
                }
                counts[b]++;
            }
            EncodeStats s = t.trainStats().plus(t.validStats());
            tasks.add(new Task(t.name(), all.size(), tokens, trained, s.dropped(), s.truncated()));
        }
        LinkedHashMap<String, Integer> histogram = new LinkedHashMap<>();
        for (int b = 0; b < edges.size(); b++) {
            histogram.put((b == 0 ? 1 : edges.get(b - 1) + 1) + "-" + edges.get(b), counts[b]);
        }
        Map<BadDataKind, Integer> skipped = new EnumMap<>(BadDataKind.class);
        skipped.putAll(data.skipped());
        return new DataSummary(tasks, skipped, seqLength, histogram);
    }

    /** Bucket upper bounds: 32, 64, ... doubling, the last one seq_length. */
    static List<Integer> edges(int seqLength) {
        List<Integer> edges = new ArrayList<>();
        for (int e = 32; e < seqLength; e *= 2) {
            edges.add(e);
        }
        edges.add(seqLength);
        return edges;
    }

    /** The summary as text lines. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format("%-24s %9s %12s %14s %8s %10s", "task", "examples", "tokens", "trained tokens",
                "dropped", "truncated"));
        for (Task t : tasks) {
            out.add(String.format("%-24s %9d %12d %14d %8d %10d", t.name(), t.examples(), t.tokens(),
                    t.trainedTokens(), t.dropped(), t.truncated()));
        }
        List<String> bad = new ArrayList<>();
        skipped.forEach((kind, n) -> bad.add(n + " " + kind.label()));
        out.add("bad records skipped: " + (bad.isEmpty() ? "none" : String.join(", ", bad)));
        out.add("example lengths (tokens, seq_length " + seqLength + "):");
        int max = lengthHistogram.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        lengthHistogram.forEach((range, n) -> out.add(String.format("  %-12s %7d %s", range, n,
                "#".repeat(max == 0 ? 0 : (int) Math.round(40.0 * n / max)))));
        return out;
    }
}
