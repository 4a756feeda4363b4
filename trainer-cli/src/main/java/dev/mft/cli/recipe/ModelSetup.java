package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.ModelConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.WeightInterceptor;
import dev.mft.core.tensor.TorchDType;
import dev.mft.data.tokenize.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads the configured model and checks it against the train config and the tokenizer. */
final class ModelSetup {
    private ModelSetup() {}

    /**
     * Loads the weights of {@code dir} (the base model, or a checkpoint's model folder); {@code interceptor} takes
     * over tensors as they load (QLoRA quantizes the projections there), and those are then absent from the result.
     */
    static ModelWeights load(TrainConfig c, Path dir, HfTokenizer tokenizer, NDManager root, Device device,
            WeightInterceptor interceptor, PrintStream out) throws IOException {
        requireModelFolder(dir);
        long start = System.nanoTime();
        ModelWeights w = ModelCheckpoints.load(dir, root, device, interceptor);
        if (!w.config().modelType().equals(c.model().modelType())) {
            w.close();
            throw new IllegalArgumentException("model_type \"" + c.model().modelType() + "\" in the train config, but "
                    + dir.resolve("config.json") + " says \"" + w.config().modelType() + "\"");
        }
        if (tokenizer.vocabSize() > w.config().vocabSize()) {
            w.close();
            throw new IllegalArgumentException("the tokenizer in " + dir + " has " + tokenizer.vocabSize()
                    + " ids but the model's vocab_size is " + w.config().vocabSize());
        }
        out.printf("model: %s, %,d fp32 parameters, loaded in %.1f s%n", dir, w.parameterCount(),
                (System.nanoTime() - start) / 1e9);
        return w;
    }

    static void requireModelFolder(Path dir) throws NoSuchFileException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null,
                    "pretrained_model_path must be a local HuggingFace model folder (config.json, *.safetensors,"
                            + " tokenizer.json)");
        }
    }

    /** The compute dtype of mixed_precision (weights and optimizer state stay fp32). */
    static TorchDType computeDType(TrainConfig c) {
        switch (c.runtime().mixedPrecision()) {
            case BF16:
                return TorchDType.BFLOAT16;
            case FP16:
                return TorchDType.FLOAT16;
            default:
                return TorchDType.FLOAT32;
        }
    }

    static LlamaModel.Attention attention(TrainConfig c) {
        return c.model().attnImplementation() == ModelConfig.AttnImplementation.EAGER ? LlamaModel.Attention.EAGER
                : LlamaModel.Attention.SDPA;
    }

    /** Saves in the base model's torch_dtype (float32 when it names none or another). */
    static String saveDType(ModelWeights w) {
        String d = w.config().json().path("torch_dtype").asText("float32");
        return d.equals("bfloat16") || d.equals("float16") ? d : "float32";
    }
}
