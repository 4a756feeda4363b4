package dev.mft.data.prepare;

import dev.mft.data.read.BadDataKind;
import dev.mft.data.tokenize.EncodeStats;
import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The examples of every task, ready to batch, with what was skipped on the way.
 *
 * @param tasks in data_paths order; an example's taskId is its index here
 * @param skipped bad records skipped by kind (empty under on_bad_data "fail")
 * @param fromCache whether this came from the dataset cache
 */
public record PreparedDataset(List<TaskExamples> tasks, Map<BadDataKind, Integer> skipped, boolean fromCache) {

    public PreparedDataset {
        tasks = List.copyOf(tasks);
        skipped = Map.copyOf(skipped);
    }

    public List<String> taskNames() {
        return tasks.stream().map(TaskExamples::name).toList();
    }

    /** Every task's training examples, in task order. */
    public List<TokenizedExample> train() {
        List<TokenizedExample> all = new ArrayList<>();
        tasks.forEach(t -> all.addAll(t.train()));
        return all;
    }

    /** Every task's validation examples, in task order. */
    public List<TokenizedExample> valid() {
        List<TokenizedExample> all = new ArrayList<>();
        tasks.forEach(t -> all.addAll(t.valid()));
        return all;
    }

    /** One line per task, then the skipped bad records if any: what a run prints about its data. */
    public List<String> report(int seqLength) {
        List<String> lines = new ArrayList<>();
        for (TaskExamples t : tasks) {
            EncodeStats s = t.trainStats().plus(t.validStats());
            StringBuilder line = new StringBuilder(String.format("data: task %s: %d conversations, %d examples"
                    + " (%d train, %d validation)", t.name(), s.conversations(), t.train().size() + t.valid().size(),
                    t.train().size(), t.valid().size()));
            if (s.truncated() > 0) {
                line.append(", ").append(s.truncated()).append(" truncated to seq_length ").append(seqLength);
            }
            if (s.dropped() > 0) {
                line.append(", ").append(s.dropped()).append(" dropped as longer than seq_length ").append(seqLength)
                        .append(" (first: ").append(s.firstDroppedOrigin()).append(")");
            }
            lines.add(line.toString());
        }
        if (!skipped.isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (BadDataKind kind : BadDataKind.values()) {
                if (skipped.containsKey(kind)) {
                    parts.add(skipped.get(kind) + " " + kind.label());
                }
            }
            lines.add("data: skipped bad records (on_bad_data \"skip\"): " + String.join(", ", parts));
        }
        if (fromCache) {
            lines.add("data: read from the dataset cache");
        }
        return lines;
    }
}
