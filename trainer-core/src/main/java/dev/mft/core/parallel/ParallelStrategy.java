package dev.mft.core.parallel;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.LlamaModel;

/**
 * Where parameters, gradients and optimizer state live, and what happens around forward, backward and the optimizer
 * step: one device ({@link SingleDevice}) or several ranks (DDP and ZeRO-1/2/3 in trainer-distributed). The training
 * loop calls, for each optimizer step:
 * <pre>
 *   sumOverRanks(token counts)                        the global batch's trained tokens normalize the loss
 *   per micro-batch: forward, loss, backward, afterBackward
 *   sumOverRanks(loss sum), gradientNorm, optimizerStep, zeroGrad
 * </pre>
 * Every rank makes the same calls in the same order: collectives inside them pair up across ranks.
 */
public interface ParallelStrategy extends AutoCloseable {

    /** Element-wise sum of per-rank counts over all ranks (the local values on one device). */
    long[] sumOverRanks(long[] local);

    /** Sum of a per-rank value over all ranks. */
    double sumOverRanks(double local);

    /**
     * Whether {@link #forward} or {@link #afterBackward} talk to other ranks: then a rank must run every micro-batch,
     * even one without trained tokens, or the others would wait for it. By default they do not.
     */
    default boolean collectivesPerMicroBatch() {
        return false;
    }

    /**
     * Logits [B, T, V] of a micro-batch; results live on the manager of {@code inputIds}. By default, whole.
     *
     * @param sampleIds [B, T] sample of each position for packed rows, or null
     */
    default NDArray forward(LlamaModel model, NDArray inputIds, NDArray positionIds, int maxPosition,
            NDArray sampleIds) {
        return model.forward(inputIds, positionIds, maxPosition, sampleIds);
    }

    /**
     * Called right after the loss's backward of each micro-batch (gradients of that micro-batch are complete). By
     * default nothing happens here.
     */
    default void afterBackward(NDManager scratch) {}

    /**
     * Makes the step's gradients whole across ranks and returns their global L2 norm; every rank returns the same
     * norm. The gradients are left as they are: clipping is the factor {@link #optimizerStep} is given.
     */
    double gradientNorm(NDManager scratch);

    /**
     * AdamW on what this rank owns, every gradient multiplied by {@code gradScale} first (the global-norm clip
     * factor, inside the update: no pass of its own), then whatever makes the updated parameters visible to every
     * rank.
     */
    void optimizerStep(double lr, double gradScale, NDManager scratch);

    /**
     * Makes the whole model usable by a plain forward (evaluation between steps); ZeRO-3 gathers its shards here. By
     * default the model is whole already.
     */
    default void beforeEvaluation() {}

    /** Undoes {@link #beforeEvaluation}. */
    default void afterEvaluation() {}

    /** Clears the gradients for the next step. */
    void zeroGrad();

    @Override
    void close();
}
