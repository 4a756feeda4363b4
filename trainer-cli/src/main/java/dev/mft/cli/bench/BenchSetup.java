package dev.mft.cli.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.WeightInterceptor;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.TorchDType;
import dev.mft.peft.FrozenLinears;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.LoraInit;
import dev.mft.peft.lora.LoraLinears;
import dev.mft.peft.lora.TargetModules;
import dev.mft.peft.quant.Nf4Weights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The weights, linear layers and trainable parameters of a benchmark run: full fine-tuning, LoRA over a frozen base,
 * or QLoRA over an NF4 base, with the same classes {@code mft train} builds them from. LoRA's adapters come into being
 * while the model builds its layers: ask for {@link #trainable()} and {@link #flops} after building it.
 */
final class BenchSetup {

    /** What trains. */
    enum Method { FULL, LORA, QLORA }

    private final ModelWeights weights;
    private final LinearFactory linears;
    private final LoraLinears lora; // null for full fine-tuning
    private final Nf4Weights nf4; // null unless QLoRA

    private BenchSetup(ModelWeights weights, LinearFactory linears, LoraLinears lora, Nf4Weights nf4) {
        this.weights = weights;
        this.linears = linears;
        this.lora = lora;
        this.nf4 = nf4;
    }

    /**
     * @param modelDir a HF model folder to load, or null for random weights of {@code config} (N(0, 0.02), seeded)
     */
    static BenchSetup create(ModelConfig config, Path modelDir, Method method, int loraRank, double loraAlpha,
            TorchDType compute, long seed, NDManager root, Device device) throws IOException {
        Nf4Weights nf4 = method == Method.QLORA ? new Nf4Weights(root, device) : null;
        WeightInterceptor interceptor = nf4 != null ? nf4 : WeightInterceptor.NONE;
        ModelWeights weights;
        if (modelDir != null) {
            weights = ModelCheckpoints.load(modelDir, root, device, interceptor);
        } else {
            weights = ModelWeights.random(config, seed, 0.02, root, device);
            if (nf4 != null) {
                nf4.takeFrom(weights);
            }
        }
        if (method == Method.FULL) {
            return new BenchSetup(weights, LinearFactory.dense(compute), null, null);
        }
        FrozenLinears base = nf4 != null ? nf4.linears(compute) : FrozenLinears.dense(compute);
        // dropout 0 (PEFT's default) on every decoder projection, as PEFT's target_modules="all-linear"
        LoraLinears lora = new LoraLinears(new LoraConfig(loraRank, loraAlpha, 0.0, false,
                new TargetModules.AllLinear()), base, LoraInit.fresh(seed), compute, root);
        return new BenchSetup(weights, lora, lora, nf4);
    }

    ModelWeights weights() {
        return weights;
    }

    LinearFactory linears() {
        return linears;
    }

    /** What AdamW updates: every tensor, or the adapters. */
    List<Parameter> trainable() {
        return lora == null ? weights.trainAll() : lora.parameters();
    }

    /** The step's FLOP count for sequences of {@code seq} tokens. */
    StepFlops flops(ModelConfig config, int seq) {
        return lora == null ? StepFlops.full(config, seq) : StepFlops.lora(config, seq, lora.parameterCount());
    }

    /** Parameters of the model: the stored tensors, the NF4 base's and the adapters'. */
    long parameterCount() {
        return weights.parameterCount() + (nf4 == null ? 0 : nf4.parameterCount())
                + (lora == null ? 0 : lora.parameterCount());
    }
}
