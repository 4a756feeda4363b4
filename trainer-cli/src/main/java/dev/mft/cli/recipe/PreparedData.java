package dev.mft.cli.recipe;

import dev.mft.cli.config.DataConfig;
import dev.mft.cli.config.DataSplit;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.read.ChatRoundsReader;
import dev.mft.data.template.MftcoderTemplate;
import dev.mft.data.template.RoleMarkers;
import dev.mft.data.tokenize.EncodedExamples;
import dev.mft.data.tokenize.ExampleEncoder;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.TokenizedExample;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Tokenized train and validation examples of every task: read, render with the chat template, tokenize, mask,
 * then split each task by {@code data_split} after a seeded shuffle.
 */
public record PreparedData(List<String> tasks, List<TokenizedExample> train, List<TokenizedExample> valid) {

    /** Reads and tokenizes all tasks of {@code data}; progress and drop counts go to {@code out}. */
    public static PreparedData prepare(DataConfig data, HfTokenizer tokenizer, long seed, boolean split,
            PrintStream out) {
        if (!DataConfig.MFTCODER_TEMPLATE.equals(data.chatTemplate())) {
            throw new IllegalArgumentException("chat_template '" + data.chatTemplate() + "' is not available yet;"
                    + " this version supports \"mftcoder\"");
        }
        MftcoderTemplate template = new MftcoderTemplate(RoleMarkers.fromConfig(
                data.roleMarkers().isEmpty() ? null : data.roleMarkers()), tokenizer.specialTokens().eos().text());
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, template, data.seqLength());
        List<TokenizedExample> train = new ArrayList<>();
        List<TokenizedExample> valid = new ArrayList<>();
        List<String> tasks = data.taskNames();
        for (int task = 0; task < tasks.size(); task++) {
            List<Conversation> conversations = ChatRoundsReader.read(data.dataPaths().get(task));
            EncodedExamples enc = encoder.encodeAll(conversations, task);
            out.printf("data: task %s: %d conversations, %d examples%s%n", tasks.get(task), conversations.size(),
                    enc.examples().size(), enc.dropped() == 0 ? ""
                            : ", " + enc.dropped() + " dropped as longer than seq_length " + data.seqLength()
                                    + " (first: " + enc.firstDroppedOrigin() + ")");
            List<TokenizedExample> examples = new ArrayList<>(enc.examples());
            if (!split) {
                train.addAll(examples);
                continue;
            }
            if (data.shuffleBeforeSplit()) {
                Collections.shuffle(examples, new Random(seed + task));
            }
            int nValid = validCount(examples.size(), data.dataSplit());
            valid.addAll(examples.subList(0, nValid));
            train.addAll(examples.subList(nValid, examples.size()));
        }
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples left in data_paths " + data.dataPaths()
                    + " (all dropped as longer than seq_length, or all went to the validation split)");
        }
        return new PreparedData(tasks, train, valid);
    }

    /** Validation examples of a task: the share rounded, at least one when the share is positive and n > 1. */
    static int validCount(int n, DataSplit split) {
        double share = split.validFraction();
        if (share <= 0 || n < 2) {
            return 0;
        }
        return Math.min(n - 1, Math.max(1, (int) Math.round(n * share)));
    }
}
