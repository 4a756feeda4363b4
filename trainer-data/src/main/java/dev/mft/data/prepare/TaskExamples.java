package dev.mft.data.prepare;

import dev.mft.data.tokenize.EncodeStats;
import dev.mft.data.tokenize.TokenizedExample;
import java.util.List;
import java.util.Objects;

/** One task's prepared examples and the counts of how they were made. */
public record TaskExamples(String name, List<TokenizedExample> train, List<TokenizedExample> valid,
        EncodeStats trainStats, EncodeStats validStats) {

    public TaskExamples {
        Objects.requireNonNull(name, "name");
        train = List.copyOf(train);
        valid = List.copyOf(valid);
        Objects.requireNonNull(trainStats, "trainStats");
        Objects.requireNonNull(validStats, "validStats");
    }
}
