package dev.mft.cli.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.cli.config.TrainConfig;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.inspect.DataSummary;
import dev.mft.data.inspect.ExampleView;
import dev.mft.data.prepare.DataPreparation;
import dev.mft.data.prepare.DataSpec;
import dev.mft.data.prepare.DatasetCache;
import dev.mft.data.prepare.PreparedDataset;
import dev.mft.data.read.BadDataLog;
import dev.mft.data.read.TaskReader;
import dev.mft.data.template.Segment;
import dev.mft.data.tokenize.EncodedExample;
import dev.mft.data.tokenize.ExampleEncoder;
import dev.mft.data.tokenize.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What {@code mft data inspect} prints: the first examples exactly as training sees them, with the trained tokens
 * marked, then a summary of the whole prepared data (examples, tokens, trained tokens, dropped, truncated, skipped,
 * lengths).
 */
public final class DataInspection {

    /** How examples are printed. */
    public enum Format { TEXT, JSON }

    /** How trained text is marked in text format. */
    public enum Marking {
        ANSI("\u001b[1;32m", "\u001b[0m"),
        BRACKETS("[[", "]]");

        private final String open;
        private final String close;

        Marking(String open, String close) {
            this.open = open;
            this.close = close;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private DataInspection() {}

    /**
     * @param out examples (and in text format the summary)
     * @param err the summary in json format, so that out stays one JSON object per line
     */
    public static void run(TrainConfig c, int limit, Format format, Marking marking, PrintStream out, PrintStream err) {
        DataSpec spec = PreparedData.spec(c.data(), c.runtime().seed(), true);
        try (HfTokenizer tokenizer = PreparedData.tokenizer(c.data(), c.model().pretrainedModelPath())) {
            ExampleEncoder encoder = DataPreparation.encoder(spec, tokenizer);
            TaskReader reader = new TaskReader(spec.format(), new BadDataLog(spec.onBadData()));
            int shown = 0;
            for (int task = 0; task < spec.taskPaths().size() && shown < limit; task++) {
                List<Conversation> conversations = reader.read(spec.taskPaths().get(task));
                // each conversation gives at least one example: no need to encode more than the limit of them
                List<Conversation> first = conversations.subList(0, Math.min(conversations.size(), limit - shown));
                for (EncodedExample e : encoder.encodeDetailed(first, task)) {
                    if (e.example() != null && shown < limit) {
                        ExampleView view = ExampleView.of(spec.taskNames().get(task), e);
                        out.println(format == Format.JSON ? json(view) : text(view, ++shown, marking));
                    }
                }
            }
            DatasetCache cache = c.data().dataCache()
                    ? new DatasetCache(c.data().dataCacheDir().orElse(DatasetCache.defaultDir())) : null;
            PreparedDataset all = DataPreparation.prepare(spec, tokenizer, cache);
            PrintStream summary = format == Format.JSON ? err : out;
            DataSummary.of(all, spec.seqLength()).lines().forEach(summary::println);
        }
    }

    /** {"task", "origin", "input_ids", "labels", "segments": [{"text", "trained"}]}. */
    static String json(ExampleView v) {
        ObjectNode n = JSON.createObjectNode();
        n.put("task", v.task());
        n.put("origin", v.origin());
        ArrayNode ids = n.putArray("input_ids");
        for (int id : v.example().inputIds()) {
            ids.add(id);
        }
        ArrayNode labels = n.putArray("labels");
        for (int l : v.example().labels()) {
            labels.add(l);
        }
        ArrayNode segments = n.putArray("segments");
        for (Segment s : v.segments()) {
            segments.addObject().put("text", s.text()).put("trained", s.trained());
        }
        try {
            return JSON.writeValueAsString(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(ExampleView v, int number, Marking marking) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("--- example %d | task %s | %s | %d tokens, %d trained ---%n", number, v.task(),
                v.origin(), v.example().length(), v.trainedTokens()));
        for (Segment s : v.segments()) {
            sb.append(s.trained() ? marking.open + s.text() + marking.close : s.text());
        }
        return sb.toString();
    }
}
