package dev.mft.cli.recipe;

import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.TrainingData;
import dev.mft.data.batch.Batch;
import dev.mft.data.batch.DataLoader;
import dev.mft.data.batch.Packing;
import dev.mft.data.batch.PaddingCollator;
import dev.mft.data.batch.PaddingLength;
import dev.mft.data.batch.RankShard;
import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** trainer-data's loader seen as the core loop's {@link TrainingData} (plain arrays cross the module border). */
public final class BatchedData implements TrainingData {
    private final DataLoader loader;

    /** One example per row. */
    public BatchedData(List<TokenizedExample> examples, int padId, int seqLength, boolean dynamicPadding,
            int batchSize, long seed, boolean shuffle) {
        this(examples, padId, seqLength, dynamicPadding, false, batchSize, seed, shuffle);
    }

    /** @param pack pack examples greedily into rows of seq_length (padding_mode "pack"), isolated from each other */
    public BatchedData(List<TokenizedExample> examples, int padId, int seqLength, boolean dynamicPadding, boolean pack,
            int batchSize, long seed, boolean shuffle) {
        PaddingCollator collator = new PaddingCollator(padId, seqLength,
                dynamicPadding ? PaddingLength.LONGEST_IN_BATCH : PaddingLength.SEQ_LENGTH);
        List<List<TokenizedExample>> rows = pack ? Packing.greedy(examples, seqLength)
                : examples.stream().map(List::of).toList();
        this.loader = new DataLoader(rows, collator, batchSize, seed, shuffle, false, RankShard.SINGLE);
    }

    @Override
    public int batchesPerEpoch() {
        return loader.batchesPerEpoch();
    }

    @Override
    public List<TokenBatch> epoch(int epoch) {
        List<TokenBatch> out = new ArrayList<>();
        for (Iterator<Batch> it = loader.epoch(epoch); it.hasNext(); ) {
            out.add(toTokenBatch(it.next()));
        }
        return out;
    }

    static TokenBatch toTokenBatch(Batch b) {
        return new TokenBatch(b.batchSize(), b.seqLength(), b.inputIds(), b.labels(), b.positionIds(), b.realTokens(),
                b.sampleIds(), b.sampleTasks());
    }
}
