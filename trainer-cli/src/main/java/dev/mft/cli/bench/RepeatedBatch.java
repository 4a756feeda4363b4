package dev.mft.cli.bench;

import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.TrainingData;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/** One fixed batch served {@code steps} times in a single epoch, so the benchmark times the model, not the data. */
final class RepeatedBatch implements TrainingData {
    private final TokenBatch batch;
    private final int steps;

    RepeatedBatch(TokenBatch batch, int steps) {
        this.batch = batch;
        this.steps = steps;
    }

    /** Uniform random ids in [0, vocab) from a seed; labels = ids, so every next-token prediction is trained. */
    static TokenBatch randomTokens(int rows, int cols, int vocab, long seed) {
        return randomTokens(rows, cols, vocab, seed, 0);
    }

    /**
     * The same with the first {@code promptTokens} labels of every row untrained, as a chat sample's prompt is: only
     * the predictions of the rest of the row train.
     */
    static TokenBatch randomTokens(int rows, int cols, int vocab, long seed, int promptTokens) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = new int[rows * cols];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(vocab);
        }
        int[] labels = ids.clone();
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < Math.min(promptTokens, cols); t++) {
                labels[r * cols + t] = TokenBatch.IGNORE;
            }
        }
        return TokenBatch.unpadded(rows, cols, ids, labels);
    }

    @Override
    public int batchesPerEpoch() {
        return steps;
    }

    @Override
    public List<TokenBatch> epoch(int epoch) {
        return Collections.nCopies(steps, batch);
    }
}
