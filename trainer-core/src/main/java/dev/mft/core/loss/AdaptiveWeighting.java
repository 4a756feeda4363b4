package dev.mft.core.loss;

import dev.mft.core.train.TokenBatch;
import java.util.List;

/**
 * What the validation-driven weightings (selfpaced, coba) share: case3 token weights whose task weights they update
 * from sampled validation losses, {@code sampleValidNum} validation batches per sample.
 */
abstract class AdaptiveWeighting implements LossWeighting {
    protected final TaskWeighting case3;
    private final int sampleValidNum;

    AdaptiveWeighting(double[] initialWeights, int sampleValidNum) {
        this.case3 = new TaskWeighting(TaskWeighting.Mode.CASE3, initialWeights);
        this.sampleValidNum = sampleValidNum;
    }

    @Override
    public final float[][] tokenWeights(List<TokenBatch> step) {
        return case3.tokenWeights(step);
    }

    @Override
    public final double[] taskWeights() {
        return case3.taskWeights();
    }

    @Override
    public final int validationBatches() {
        return sampleValidNum;
    }
}
