package dev.mft.data.prepare;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.io.ContentHash;
import dev.mft.data.read.BadDataLog;
import dev.mft.data.read.TaskReader;
import dev.mft.data.split.TaskSplit;
import dev.mft.data.template.ChatTemplate;
import dev.mft.data.tokenize.EncodeStats;
import dev.mft.data.tokenize.EncodedExamples;
import dev.mft.data.tokenize.ExampleEncoder;
import dev.mft.data.tokenize.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads, splits, renders, tokenizes and masks every task of a {@link DataSpec}, or takes the result from the
 * {@link DatasetCache} when an entry for exactly these inputs exists.
 *
 * <p>The cache key covers the data files' contents (and names), the tokenizer files, every setting of the spec that
 * changes an example, and {@link #PIPELINE_VERSION}; so editing a data file, swapping the tokenizer or changing the
 * template, loss mode, seq_length, truncation or split each prepares afresh.
 */
public final class DataPreparation {

    /** Bump when a change to readers, templates or encoding changes the examples of unchanged inputs. */
    public static final int PIPELINE_VERSION = 1;

    private DataPreparation() {}

    /**
     * @param cache where to look for and store the result; null = always prepare, store nothing
     */
    public static PreparedDataset prepare(DataSpec spec, HfTokenizer tokenizer, DatasetCache cache) {
        String key = cache == null ? null : cacheKey(spec, tokenizer);
        if (cache != null) {
            Optional<PreparedDataset> cached = cache.load(key);
            if (cached.isPresent()) {
                return cached.get();
            }
        }
        BadDataLog bad = new BadDataLog(spec.onBadData());
        TaskReader reader = new TaskReader(spec.format(), bad);
        ExampleEncoder encoder = encoder(spec, tokenizer);
        List<String> names = spec.taskNames();
        List<TaskExamples> tasks = new ArrayList<>();
        for (int task = 0; task < names.size(); task++) {
            List<Conversation> conversations = reader.read(spec.taskPaths().get(task));
            List<Conversation> train;
            List<Conversation> valid;
            if (spec.evalPaths().isEmpty()) {
                TaskSplit<Conversation> split = TaskSplit.of(conversations, spec.split(), spec.seed(), task,
                        spec.shuffleBeforeSplit());
                train = split.train();
                valid = split.valid();
            } else {
                train = conversations;
                valid = new ArrayList<>();
                for (Path eval : spec.evalPaths()) {
                    if (DataSpec.taskName(eval).equals(names.get(task))) {
                        valid.addAll(reader.read(eval));
                    }
                }
            }
            EncodedExamples trainExamples = encoder.encodeAll(train, task);
            EncodedExamples validExamples = valid.isEmpty() ? new EncodedExamples(List.of(), EncodeStats.NONE)
                    : encoder.encodeAll(valid, task);
            tasks.add(new TaskExamples(names.get(task), trainExamples.examples(), validExamples.examples(),
                    trainExamples.stats(), validExamples.stats()));
        }
        PreparedDataset data = new PreparedDataset(tasks, bad.counts(), false);
        if (data.train().isEmpty()) {
            throw new IllegalArgumentException("no training examples left in data_paths " + spec.taskPaths()
                    + " (all dropped as longer than seq_length, skipped as bad records, or held out for validation)");
        }
        if (cache != null) {
            cache.store(key, data);
        }
        return data;
    }

    /** The encoder a spec describes (what {@code mft data inspect} runs, without the cache). */
    public static ExampleEncoder encoder(DataSpec spec, HfTokenizer tokenizer) {
        ChatTemplate template = spec.template().create(tokenizer.templateTokens(), spec.roleMarkers());
        return new ExampleEncoder(tokenizer, template, spec.lossMode(), spec.seqLength(), spec.truncation());
    }

    /** The identity of what {@link #prepare} would compute: a SHA-256 over every input, as hex. */
    public static String cacheKey(DataSpec spec, HfTokenizer tokenizer) {
        ContentHash h = new ContentHash().add("mft-dataset").add(DatasetFile.VERSION).add(PIPELINE_VERSION)
                .add(tokenizer.fingerprint()).add(String.join(",", tokenizer.addedTokens()))
                .add(spec.format().name()).add(spec.template().configName())
                .add(spec.roleMarkers().system()).add(spec.roleMarkers().user()).add(spec.roleMarkers().assistant())
                .add(spec.lossMode().name()).add(spec.seqLength()).add(spec.truncation().name())
                .add(spec.onBadData().name());
        if (spec.evalPaths().isEmpty()) {
            h.add(Double.doubleToLongBits(spec.split().train())).add(Double.doubleToLongBits(spec.split().valid()))
                    .add(Double.doubleToLongBits(spec.split().test())).add(spec.shuffleBeforeSplit() ? 1 : 0)
                    .add(spec.seed());
        }
        addFiles(h, "task", spec.taskPaths());
        addFiles(h, "eval", spec.evalPaths());
        return h.hex();
    }

    private static void addFiles(ContentHash h, String role, List<Path> paths) {
        h.add(role).add(paths.size());
        for (Path path : paths) {
            h.add(DataSpec.taskName(path));
            List<Path> files = TaskReader.files(path);
            h.add(files.size());
            for (Path file : files) {
                h.add(path.relativize(file).toString()).addFile(file);
            }
        }
    }
}
