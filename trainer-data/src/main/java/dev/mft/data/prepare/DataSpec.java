package dev.mft.data.prepare;

import dev.mft.data.read.DataFormat;
import dev.mft.data.read.OnBadData;
import dev.mft.data.split.SplitShares;
import dev.mft.data.template.LossMode;
import dev.mft.data.template.RoleMarkers;
import dev.mft.data.template.TemplateName;
import dev.mft.data.tokenize.Truncation;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that decides the prepared examples (the tokenizer aside).
 *
 * @param taskPaths one data file or folder per task; the task name is its last path component
 * @param evalPaths separate validation data, each named like a task of taskPaths; empty = carve validation out
 *     of each task with {@code split}
 * @param split train/valid/test shares of each task (ignored when evalPaths are given)
 * @param shuffleBeforeSplit shuffle each task's conversations (seeded) before splitting
 * @param seed seeds the split shuffle
 */
public record DataSpec(
        List<Path> taskPaths,
        List<Path> evalPaths,
        DataFormat format,
        TemplateName template,
        RoleMarkers roleMarkers,
        LossMode lossMode,
        int seqLength,
        Truncation truncation,
        OnBadData onBadData,
        SplitShares split,
        boolean shuffleBeforeSplit,
        long seed) {

    public DataSpec {
        taskPaths = List.copyOf(taskPaths);
        evalPaths = List.copyOf(evalPaths);
        Objects.requireNonNull(format, "data_format");
        Objects.requireNonNull(template, "chat_template");
        Objects.requireNonNull(roleMarkers, "role_markers");
        Objects.requireNonNull(lossMode, "loss_mode");
        Objects.requireNonNull(truncation, "truncation");
        Objects.requireNonNull(onBadData, "on_bad_data");
        Objects.requireNonNull(split, "data_split");
        if (taskPaths.isEmpty()) {
            throw new IllegalArgumentException("data_paths is empty; expected at least one task");
        }
        if (seqLength < 2) {
            throw new IllegalArgumentException("seq_length " + seqLength + "; expected >= 2");
        }
        Set<String> names = new HashSet<>();
        taskPaths.forEach(p -> names.add(taskName(p))); // fields are unset in a compact constructor
        for (Path eval : evalPaths) {
            if (!names.contains(taskName(eval))) {
                throw new IllegalArgumentException("eval_data_paths entry " + eval + " is task \"" + taskName(eval)
                        + "\", which data_paths does not have; expected one of " + names);
            }
        }
    }

    /** Task names in taskPaths order. */
    public List<String> taskNames() {
        return taskPaths.stream().map(DataSpec::taskName).toList();
    }

    /** A data path's task name: its last component ("data/code_qa" is task "code_qa"). */
    public static String taskName(Path path) {
        Path last = path.getFileName();
        return last == null ? path.toString() : last.toString();
    }
}
