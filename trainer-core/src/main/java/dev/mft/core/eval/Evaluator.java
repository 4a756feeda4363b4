package dev.mft.core.eval;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.TokenBatch;

/** Loss of a model on batches without training: mean token CE over all trained tokens. */
public final class Evaluator {
    private Evaluator() {}

    /** Summed CE and token count; {@code loss()} is their ratio. */
    public record Result(double lossSum, long tokens) {
        public double loss() {
            return tokens == 0 ? Double.NaN : lossSum / tokens;
        }
    }

    public static Result evaluate(LlamaModel model, Iterable<TokenBatch> batches, NDManager root, Device device) {
        double sum = 0;
        long tokens = 0;
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            for (TokenBatch b : batches) {
                if (b.trainedTokens() == 0) {
                    continue;
                }
                try (NDManager mb = root.newSubManager(device)) {
                    NDArray ids = BatchArrays.ids(mb, b, device);
                    NDArray pos = BatchArrays.positions(mb, b, device);
                    sum += CausalLmLoss.value(CausalLmLoss.sum(model.forward(ids, pos, b.maxPosition()), b));
                    tokens += b.trainedTokens();
                }
            }
        }
        return new Result(sum, tokens);
    }
}
