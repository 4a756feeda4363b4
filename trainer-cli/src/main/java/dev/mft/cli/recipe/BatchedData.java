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
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * trainer-data's loader seen as the core loop's {@link TrainingData} (plain arrays cross the module border). Under
 * several ranks the loader builds GLOBAL batches of {@code batchSize * worldSize} rows and each rank takes its slice,
 * so N ranks x b rows compute the same update as 1 rank x N*b rows.
 */
public final class BatchedData implements TrainingData {
    private final DataLoader loader;
    private final int rank;
    private final int worldSize;
    private final int padId;

    public BatchedData(List<TokenizedExample> examples, int padId, int seqLength, boolean dynamicPadding,
            int batchSize, long seed, boolean shuffle) {
        this(examples, padId, seqLength, dynamicPadding, false, batchSize, seed, shuffle, 0, 1);
    }

    /** @param pack pack examples greedily into rows of seq_length (padding_mode "pack"), isolated from each other */
    public BatchedData(List<TokenizedExample> examples, int padId, int seqLength, boolean dynamicPadding, boolean pack,
            int batchSize, long seed, boolean shuffle) {
        this(examples, padId, seqLength, dynamicPadding, pack, batchSize, seed, shuffle, 0, 1);
    }

    /** Rank {@code rank}'s share of global batches of {@code batchSize * worldSize} rows. */
    public BatchedData(List<TokenizedExample> examples, int padId, int seqLength, boolean dynamicPadding,
            int batchSize, long seed, boolean shuffle, int rank, int worldSize) {
        this(examples, padId, seqLength, dynamicPadding, false, batchSize, seed, shuffle, rank, worldSize);
    }

    public BatchedData(List<TokenizedExample> examples, int padId, int seqLength, boolean dynamicPadding, boolean pack,
            int batchSize, long seed, boolean shuffle, int rank, int worldSize) {
        PaddingCollator collator = new PaddingCollator(padId, seqLength,
                dynamicPadding ? PaddingLength.LONGEST_IN_BATCH : PaddingLength.SEQ_LENGTH);
        List<List<TokenizedExample>> rows = pack ? Packing.greedy(examples, seqLength)
                : examples.stream().map(List::of).toList();
        this.loader = new DataLoader(rows, collator, batchSize * worldSize, seed, shuffle, false, RankShard.SINGLE);
        this.rank = rank;
        this.worldSize = worldSize;
        this.padId = padId;
    }

    @Override
    public int batchesPerEpoch() {
        return loader.batchesPerEpoch();
    }

    @Override
    public List<TokenBatch> epoch(int epoch) {
        List<TokenBatch> out = new ArrayList<>();
        for (Iterator<Batch> it = loader.epoch(epoch); it.hasNext(); ) {
            Batch b = it.next();
            out.add(worldSize == 1 ? toTokenBatch(b) : rows(b, rank, worldSize, padId));
        }
        return out;
    }

    static TokenBatch toTokenBatch(Batch b) {
        return new TokenBatch(b.batchSize(), b.seqLength(), b.inputIds(), b.labels(), b.positionIds(), b.realTokens(),
                b.sampleIds(), b.sampleTasks());
    }

    /**
     * Rows [rank * k / n, (rank + 1) * k / n) of a global batch of k rows. A rank left without rows (a short last
     * batch) gets one row of padding that trains nothing, so it still takes part in the step's collectives.
     */
    static TokenBatch rows(Batch b, int rank, int worldSize, int padId) {
        int from = rank * b.batchSize() / worldSize;
        int to = (rank + 1) * b.batchSize() / worldSize;
        int c = b.seqLength();
        if (from == to) {
            int[] pads = new int[c];
            Arrays.fill(pads, padId);
            int[] ignore = new int[c];
            Arrays.fill(ignore, TokenBatch.IGNORE);
            int[] noSample = new int[c];
            Arrays.fill(noSample, -1);
            return new TokenBatch(1, c, pads, ignore, new int[c], 0, noSample, b.sampleTasks());
        }
        long real = 0;
        for (int i = from * c; i < to * c; i++) {
            real += b.attentionMask()[i];
        }
        // sample ids index the whole batch's sampleTasks, which every slice keeps
        return new TokenBatch(to - from, c, Arrays.copyOfRange(b.inputIds(), from * c, to * c),
                Arrays.copyOfRange(b.labels(), from * c, to * c), Arrays.copyOfRange(b.positionIds(), from * c, to * c),
                real, Arrays.copyOfRange(b.sampleIds(), from * c, to * c), b.sampleTasks());
    }
}
