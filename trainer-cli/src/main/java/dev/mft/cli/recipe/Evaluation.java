package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.DataConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.core.eval.Evaluator;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.tensor.TorchDType;
import dev.mft.data.tokenize.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The loss of the configured model on the configured data, without training. */
public final class Evaluation {
    private Evaluation() {}

    /** What {@code mft eval} prints. */
    public record Result(double loss, long tokens) {
        public String toJson() {
            return String.format(Locale.ROOT, "{\"loss\": %.8f, \"tokens\": %d}", loss, tokens);
        }
    }

    /**
     * Evaluates over eval_data_paths when given, else over every example of data_paths (no split). With an adapter
     * folder, the model is pretrained_model_path plus that adapter (over NF4 base weights when peft_type is qlora,
     * as QLoRA trained it).
     */
    public static Result run(TrainConfig c, Path adapterDir, PrintStream log) throws IOException {
        Device device = FineTune.RuntimeSetup.start(c.runtime());
        Path modelDir = c.model().pretrainedModelPath();
        ModelSetup.requireModelFolder(modelDir);
        DataConfig data = c.data();
        if (!data.evalDataPaths().isEmpty()) {
            data = data.withDataPaths(data.evalDataPaths());
        }
        try (HfTokenizer tokenizer = PreparedData.tokenizer(data, modelDir);
                NDManager root = NDManager.newBaseManager(device);
                Tuning tuning = adapterDir == null ? new FullTuning(Optional.empty())
                        : LoraTuning.fromAdapter(c, adapterDir, root, device)) {
            PreparedData prepared = PreparedData.prepare(data, tokenizer, c.runtime().seed(), false, log);
            BatchedData batches = new BatchedData(prepared.train(), tokenizer.specialTokens().pad().id(),
                    data.seqLength(), true, c.schedule().perDeviceEvalBatchSize(), c.runtime().seed(), false);
            try (ModelWeights weights = tuning.load(c, tokenizer, root, device, log)) {
                LlamaModel model = new LlamaModel(weights.config(), weights.tensors(),
                        new RotaryEmbedding(root, weights.config()), tuning.linears(TorchDType.FLOAT32),
                        ModelSetup.attention(c));
                if (adapterDir != null) {
                    log.println(tuning.describe(weights));
                }
                Evaluator.Result r = Evaluator.evaluate(model, batches.epoch(0), root, device);
                return new Result(r.loss(), r.tokens());
            }
        }
    }
}
