package dev.mft.cli.recipe;

import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.TrainingData;
import dev.mft.data.batch.Batch;
import dev.mft.data.batch.DataLoader;
import dev.mft.data.batch.PaddingCollator;
import dev.mft.data.batch.PaddingLength;
import dev.mft.data.tokenize.TokenizedExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * trainer-data's loader seen as the core loop's {@link TrainingData} (plain arrays cross the module border). Under
 * data parallelism every rank loads the same global batches of {@code batchSize x worldSize} rows (same seed, same
 * order) and keeps its own rows of each, so N ranks train on exactly what one process with N times the batch would.
 */
public final class BatchedData implements TrainingData {
    private final DataLoader loader;
    private final int rank;
    private final int worldSize;
    private final int padId;

    public BatchedData(List<TokenizedExample> examples, int padId, int seqLength, boolean dynamicPadding,
            int batchSize, long seed, boolean shuffle) {
        this(examples, padId, seqLength, dynamicPadding, batchSize, seed, shuffle, 0, 1);
    }

    /** Rank {@code rank}'s share of global batches of {@code batchSize * worldSize} rows. */
    public BatchedData(List<TokenizedExample> examples, int padId, int seqLength, boolean dynamicPadding,
            int batchSize, long seed, boolean shuffle, int rank, int worldSize) {
        PaddingCollator collator = new PaddingCollator(padId, seqLength,
                dynamicPadding ? PaddingLength.LONGEST_IN_BATCH : PaddingLength.SEQ_LENGTH);
        this.loader = new DataLoader(examples, collator, batchSize * worldSize, seed, shuffle, false);
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
            out.add(rows(it.next(), rank, worldSize, padId));
        }
        return out;
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
            return new TokenBatch(1, c, pads, ignore, new int[c], 0);
        }
        long real = 0;
        for (int i = from * c; i < to * c; i++) {
            real += b.attentionMask()[i];
        }
        return new TokenBatch(to - from, c, Arrays.copyOfRange(b.inputIds(), from * c, to * c),
                Arrays.copyOfRange(b.labels(), from * c, to * c), Arrays.copyOfRange(b.positionIds(), from * c, to * c),
                real);
    }
}
