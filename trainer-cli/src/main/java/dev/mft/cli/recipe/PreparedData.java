package dev.mft.cli.recipe;

import dev.mft.cli.config.DataConfig;
import dev.mft.cli.config.DataSplit;
import dev.mft.data.prepare.DataPreparation;
import dev.mft.data.prepare.DataSpec;
import dev.mft.data.prepare.DatasetCache;
import dev.mft.data.prepare.PreparedDataset;
import dev.mft.data.split.SplitShares;
import dev.mft.data.template.RoleMarkers;
import dev.mft.data.template.TemplateName;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.TokenizedExample;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Tokenized train and validation examples of every task, as trainer-data prepares them from the data section of the
 * config (read, split by {@code data_split} after a seeded shuffle, render with the chat template, tokenize, mask),
 * through the dataset cache unless {@code data_cache} is false.
 */
public record PreparedData(List<String> tasks, List<TokenizedExample> train, List<TokenizedExample> valid) {

    /**
     * Prepares all tasks of {@code data}; what was prepared, dropped and skipped goes to {@code out}.
     *
     * @param split carve validation data out of each task (training); false = every example of data_paths trains
     *     (what {@code mft eval} reads)
     */
    public static PreparedData prepare(DataConfig data, HfTokenizer tokenizer, long seed, boolean split,
            PrintStream out) {
        long start = System.nanoTime();
        DatasetCache cache = data.dataCache() ? new DatasetCache(data.dataCacheDir().orElse(DatasetCache.defaultDir()))
                : null;
        PreparedDataset prepared = DataPreparation.prepare(spec(data, seed, split), tokenizer, cache);
        prepared.report(data.seqLength()).forEach(out::println);
        out.printf(Locale.ROOT, "data: %,d train and %,d validation examples ready in %.2f s%n", prepared.train().size(),
                prepared.valid().size(), (System.nanoTime() - start) / 1e9);
        return new PreparedData(prepared.taskNames(), prepared.train(), prepared.valid());
    }

    /** The data module's description of the data section. */
    public static DataSpec spec(DataConfig data, long seed, boolean split) {
        DataSplit s = data.dataSplit();
        SplitShares shares = split ? new SplitShares(s.train(), s.valid(), s.test()) : SplitShares.ALL_TRAIN;
        List<Path> eval = split ? data.evalDataPaths() : List.of();
        return new DataSpec(data.dataPaths(), eval, data.dataFormat(), TemplateName.of(data.chatTemplate()),
                RoleMarkers.fromConfig(data.roleMarkers().isEmpty() ? null : data.roleMarkers()), data.lossMode(),
                data.seqLength(), data.truncation(), data.onBadData(), shares, split && data.shuffleBeforeSplit(), seed);
    }

    /** The model folder's tokenizer, with the special tokens the chat template needs added where missing (yuan2). */
    public static HfTokenizer tokenizer(DataConfig data, Path modelDir) {
        return HfTokenizer.load(modelDir, TemplateName.of(data.chatTemplate()).requiredSpecialTokens());
    }
}
