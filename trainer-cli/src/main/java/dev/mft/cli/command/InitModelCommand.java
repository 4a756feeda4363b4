package dev.mft.cli.command;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mft.cli.presets.ModelPresets;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.safetensors.ShardedCheckpointWriter;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.SpecialTokens;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mft init-model}: a random-initialized HF model folder for a preset shape and a tokenizer. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = {"Write a HuggingFace model folder with random weights (HF init: N(0, initializer_range),"
            + " norms 1, biases 0): config.json, model.safetensors and the tokenizer's files.",
            "vocab_size comes from the tokenizer unless the config sets a larger one; bos/eos ids are taken from"
            + " tokenizer_config.json.",
            "", "Example:", "  mft init-model --config demo-tiny --tokenizer configs/demo-tokenizer --output work/demo-model"})
public final class InitModelCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "<preset|config.json>",
            description = "A preset (${COMPLETION-CANDIDATES}) or a HF config.json file.",
            completionCandidates = PresetNames.class)
    String config;

    @Option(names = "--tokenizer", required = true, paramLabel = "<dir>",
            description = "Folder with tokenizer.json and tokenizer_config.json (copied into the output).")
    Path tokenizer;

    @Option(names = "--output", required = true, paramLabel = "<dir>", description = "Model folder to write.")
    Path output;

    @Option(names = "--seed", defaultValue = "1234", description = "Seed of the random init (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "float32",
            description = "Stored dtype: float32, float16 or bfloat16 (default ${DEFAULT-VALUE}).")
    String dtype;

    /** Preset names for picocli's help. */
    static final class PresetNames extends java.util.ArrayList<String> {
        PresetNames() {
            super(ModelPresets.NAMES);
        }
    }

    @Override
    public Integer call() throws Exception {
        ObjectNode json = ModelPresets.resolve(config);
        try (HfTokenizer tok = HfTokenizer.load(tokenizer)) {
            int tokVocab = tok.vocabSize();
            int vocab = json.hasNonNull("vocab_size") ? Math.max(json.get("vocab_size").asInt(), tokVocab) : tokVocab;
            json.put("vocab_size", vocab);
            SpecialTokens special = tok.specialTokens();
            if (special.bos() != null) {
                json.put("bos_token_id", special.bos().id());
            }
            json.put("eos_token_id", special.eos().id());
            json.put("pad_token_id", special.pad().id());
        }
        ModelConfig modelConfig = ModelConfig.fromJson(json);
        TorchRuntime.start();
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights weights = ModelWeights.random(modelConfig, seed,
                        json.path("initializer_range").asDouble(0.02), root, Device.cpu())) {
            ModelCheckpoints.save(weights, output, dtype, ShardedCheckpointWriter.DEFAULT_MAX_SHARD_BYTES,
                    dev.mft.cli.recipe.TokenizerFilesOf.model(tokenizer));
            System.out.printf("wrote %s: %s, %,d parameters, vocab %d, %s%n", output, modelConfig.modelType(),
                    weights.parameterCount(), modelConfig.vocabSize(), dtype);
        }
        return 0;
    }
}
