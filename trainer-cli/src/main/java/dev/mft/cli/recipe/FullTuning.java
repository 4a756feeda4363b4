package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.TrainConfig;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.WeightInterceptor;
import dev.mft.core.optim.Parameter;
import dev.mft.core.safetensors.ShardedCheckpointWriter;
import dev.mft.core.tensor.TorchDType;
import dev.mft.data.tokenize.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Full-parameter fine-tuning: every weight trains; checkpoints and the result are HF model folders. */
final class FullTuning implements Tuning {
    private final Optional<Path> resume;

    /** @param resume the checkpoint to continue from, if any */
    FullTuning(Optional<Path> resume) {
        this.resume = resume;
    }

    @Override
    public WeightInterceptor interceptor() {
        return WeightInterceptor.NONE;
    }

    @Override
    public ModelWeights load(TrainConfig c, HfTokenizer tokenizer, NDManager root, Device device, PrintStream out)
            throws IOException {
        if (resume.isEmpty()) {
            return ModelSetup.load(c, c.model().pretrainedModelPath(), tokenizer, root, device, interceptor(), out);
        }
        // a resumed run continues from the checkpoint's fp32 weights, never from the base model
        Path model = resume.get().resolve(ResumePoint.MODEL);
        if (!Files.isDirectory(model)) {
            throw new IllegalArgumentException(resume.get() + " holds no " + ResumePoint.MODEL + "/ folder (was it"
                    + " written by a LoRA/QLoRA run? then set peft_type as that run did)");
        }
        return ModelSetup.load(c, model, tokenizer, root, device, interceptor(), out);
    }

    @Override
    public LinearFactory linears(TorchDType compute) {
        return LinearFactory.dense(compute);
    }

    @Override
    public List<Parameter> trainable(ModelWeights weights) {
        return weights.trainAll();
    }

    @Override
    public String describe(ModelWeights weights) {
        return String.format("full fine-tuning: all %,d parameters train", weights.parameterCount());
    }

    @Override
    public void saveCheckpoint(ModelWeights weights, Path checkpointDir) throws IOException {
        ModelCheckpoints.save(weights, checkpointDir.resolve(ResumePoint.MODEL), "float32",
                ShardedCheckpointWriter.DEFAULT_MAX_SHARD_BYTES, List.of());
    }

    @Override
    public void saveFinal(ModelWeights weights, Path dir, List<Path> tokenizerFiles) throws IOException {
        ModelCheckpoints.save(weights, dir, ModelSetup.saveDType(weights),
                ShardedCheckpointWriter.DEFAULT_MAX_SHARD_BYTES, tokenizerFiles);
    }

    @Override
    public void close() {
        // nothing beyond the weights, which the recipe owns
    }
}
