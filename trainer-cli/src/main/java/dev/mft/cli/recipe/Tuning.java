package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.PeftConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.WeightInterceptor;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.TorchDType;
import dev.mft.data.tokenize.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What full fine-tuning and LoRA / QLoRA do differently: which weights load (a resumed full run continues from the
 * checkpoint's model; a resumed LoRA run from its adapter over the base), how linear layers are built, what trains,
 * and what checkpoints and the final folder hold. Every other step of the recipe is the same for all of them.
 */
interface Tuning extends AutoCloseable {
    /** Takes over tensors while the base loads (QLoRA: the projections, quantized to NF4 one by one). */
    WeightInterceptor interceptor();

    /** The weights the model is built over. */
    ModelWeights load(TrainConfig c, HfTokenizer tokenizer, NDManager root, Device device, PrintStream out)
            throws IOException;

    /** How the model builds its linear layers, computing in {@code compute}. */
    LinearFactory linears(TorchDType compute);

    /** The parameters AdamW updates; call after the model is built (the factory creates the adapters). */
    List<Parameter> trainable(ModelWeights weights);

    /** One line saying what trains and what the frozen base holds. */
    String describe(ModelWeights weights);

    /** Fills a checkpoint folder with what the run needs to continue (besides optimizer and trainer state). */
    void saveCheckpoint(ModelWeights weights, Path checkpointDir) throws IOException;

    /** Writes the result: a HF model folder, or a PEFT adapter folder; tokenizer files are copied along. */
    void saveFinal(ModelWeights weights, Path dir, List<Path> tokenizerFiles) throws IOException;

    @Override
    void close();

    /** The tuning a train config asks for: fresh adapters for LoRA/QLoRA, or those of the resume checkpoint. */
    static Tuning forTraining(TrainConfig c, Optional<Path> resume, NDManager root, Device device)
            throws IOException {
        if (c.peft().method() == PeftConfig.PeftMethod.FULL) {
            return new FullTuning(resume);
        }
        return resume.isPresent() ? LoraTuning.resumed(c, resume.get(), root, device)
                : LoraTuning.fresh(c, root, device);
    }
}
