package dev.mft.cli.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.core.loss.CausalLmLoss;
import dev.mft.core.loss.ChunkedLmLoss;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.GradientClipper;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.train.BatchArrays;
import dev.mft.core.train.MultiTask;
import dev.mft.core.train.TokenBatch;
import dev.mft.core.train.TrainerSettings;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a step's time goes: the Trainer's step taken apart into its phases (the same calls as the Trainer's step of
 * unpacked rows with one micro-batch and clip 1.0), each timed over several steps, medians reported.
 * {@code head_and_loss} is the final norm's output through the lm_head and the loss, forward and (on the Trainer's
 * usual path, {@link ChunkedLmLoss}) the head's own backward, up to the gradient entering the decoder;
 * {@code backward} is the rest of the backward (with {@code loss_chunk_tokens} -1: all of it). On a GPU each phase ends
 * by reading one value back, so the times include waiting for the device (and the profile runs slower than the real
 * step, which never waits there). {@code adamw_zero_grad} is the update with the gradients' zeroing, as the Trainer
 * runs them (one pass on the CPU, {@link AdamW#stepAndZeroGrad}).
 */
final class PhaseProfile {
    /** The forward split into embedding + rotary tables, the decoder layers + final norm, and the head with the loss. */
    static final List<String> PHASES = List.of("forward_embed", "forward_layers", "head_and_loss", "backward", "clip",
            "adamw_zero_grad");

    private final Map<String, Double> medianMs;

    private PhaseProfile(Map<String, Double> medianMs) {
        this.medianMs = medianMs;
    }

    static PhaseProfile measure(LlamaModel model, AdamW optimizer, TokenBatch batch, NDManager root, Device device,
            int steps, int lossChunkTokens) {
        Autograd.enableForThisThread();
        float[] weights = MultiTask.single().weighting().tokenWeights(List.of(batch))[0];
        int tokens = batch.rows() * batch.cols();
        boolean headPath = lossChunkTokens != TrainerSettings.NO_CHUNKS; // as the Trainer decides
        int chunk = new TrainerSettings(1, 1, 1, 1.0, 1, TrainerSettings.DEFAULT_MAX_NON_FINITE_STEPS, false,
                lossChunkTokens).headChunkTokens(tokens, model.config().vocabSize(), device.isGpu());
        double[][] ms = new double[PHASES.size()][steps];
        for (int s = 0; s < steps; s++) {
            try (NDManager scope = root.newSubManager(device)) {
                long t0 = System.nanoTime();
                NDArray ids = BatchArrays.ids(scope, batch, device);
                NDArray positions = BatchArrays.positions(scope, batch, device);
                NDArray[] cosSin = model.rope(positions, batch.maxPosition());
                NDArray embedded = headPath ? model.embedForTraining(ids) : model.embed(ids);
                NDArray h = embedded;
                wait(h, device);
                long tEmbed = System.nanoTime();
                for (int layer = 0; layer < model.numLayers(); layer++) {
                    h = model.layer(layer, h, cosSin);
                }
                NDArray normed = model.finalNorm(h);
                wait(normed, device);
                long tLayers = System.nanoTime();
                NDArray output; // where the rest of the backward starts
                NDArray upstream; // its gradient (null: a scalar loss)
                if (headPath) {
                    ChunkedLmLoss.Head head = ChunkedLmLoss.headForwardBackward(model, normed, batch, weights, 1.0,
                            chunk, scope);
                    output = normed;
                    upstream = head.upstream();
                    wait(upstream, device);
                } else {
                    output = CausalLmLoss.weightedSum(CausalLmLoss.tokenLosses(model.logits(normed), batch), weights);
                    upstream = null;
                    wait(output, device);
                }
                long t2 = System.nanoTime();
                if (upstream != null) {
                    Autograd.backward(output, upstream);
                    model.embeddingBackward(ids, embedded, scope);
                } else if (!headPath) {
                    Autograd.backward(output);
                }
                wait(Autograd.gradient(optimizer.parameters().get(0).array(), scope), device);
                long t3 = System.nanoTime();
                // as SingleDevice clips: the embedding table's gradient read only in the rows of the step's tokens
                double norm = GradientClipper.norm(optimizer.parameters(), optimizer::touchedRows, scope);
                long t4 = System.nanoTime();
                optimizer.stepAndZeroGrad(1e-4, GradientClipper.scale(norm, 1.0), scope);
                wait(optimizer.parameters().get(0).array(), device);
                long t5 = System.nanoTime();
                long[] marks = {t0, tEmbed, tLayers, t2, t3, t4, t5};
                for (int p = 0; p < PHASES.size(); p++) {
                    ms[p][s] = (marks[p + 1] - marks[p]) / 1e6;
                }
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int p = 0; p < PHASES.size(); p++) {
            double[] sorted = ms[p].clone();
            Arrays.sort(sorted);
            out.put(PHASES.get(p), BenchCommand.round(sorted[steps / 2], 1));
        }
        return new PhaseProfile(out);
    }

    /** A GPU computes asynchronously: reading one element waits for everything queued before it. */
    private static void wait(NDArray a, Device device) {
        if (a != null && device.isGpu()) {
            a.flatten().get(0).toFloatArray();
        }
    }

    /** One line per phase with its share of the sum. */
    String table() {
        double sum = medianMs.values().stream().mapToDouble(Double::doubleValue).sum();
        StringBuilder b = new StringBuilder("bench: phases (median ms over the profiled steps)\n");
        medianMs.forEach((k, v) -> b.append(String.format("  %-10s %8.1f  %4.1f%%%n", k, v, 100 * v / sum)));
        b.append(String.format("  %-10s %8.1f", "sum", sum));
        return b.toString();
    }

    ObjectNode json() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        medianMs.forEach(o::put);
        return o;
    }
}
