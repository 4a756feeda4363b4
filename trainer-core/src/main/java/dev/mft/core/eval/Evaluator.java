package dev.mft.core.eval;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.loss.ChunkedLmLoss;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.TaskLosses;
import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.TrainerSettings;

/** Loss of a model on batches without training: mean token CE over all trained tokens, and per task. */
public final class Evaluator {
    private Evaluator() {}

    /** Summed CE and token count; {@code loss()} is their ratio. {@code perTask} holds the per-task means. */
    public record Result(double lossSum, long tokens, double[] perTask) {
        public double loss() {
            return tokens == 0 ? Double.NaN : lossSum / tokens;
        }
    }

    public static Result evaluate(LlamaModel model, Iterable<TokenBatch> batches, NDManager root, Device device) {
        return evaluate(model, batches, 1, root, device);
    }

    /** @param tasks how many tasks the batches' sample tasks index */
    public static Result evaluate(LlamaModel model, Iterable<TokenBatch> batches, int tasks, NDManager root,
            Device device) {
        TaskLosses losses = new TaskLosses(tasks);
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            for (TokenBatch b : batches) {
                if (b.trainedTokens() == 0) {
                    continue;
                }
                try (NDManager mb = root.newSubManager(device)) {
                    NDArray ids = BatchArrays.ids(mb, b, device);
                    NDArray positions = BatchArrays.positions(mb, b, device);
                    NDArray samples = BatchArrays.sampleIdsIfPacked(mb, b, device);
                    // logits only for positions with a target, a chunk at a time within the budget (as in training)
                    int chunk = TrainerSettings.autoHeadChunkTokens(b.rows() * b.cols(), model.config().vocabSize(),
                            device.isGpu());
                    losses.add(b, ChunkedLmLoss.tokenLosses(model, ids, positions, samples, b, chunk, mb));
                }
            }
        }
        return new Result(losses.sum(), losses.tokens(), losses.means());
    }
}
