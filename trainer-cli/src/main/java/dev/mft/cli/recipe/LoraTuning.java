package dev.mft.cli.recipe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.cli.config.PeftConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.TensorLayout;
import dev.mft.core.model.WeightInterceptor;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.TorchDType;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.peft.FrozenLinears;
import dev.mft.peft.io.AdapterCompatibility;
import dev.mft.peft.io.AdapterFiles;
import dev.mft.peft.io.LoadedAdapter;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.LoraInit;
import dev.mft.peft.lora.LoraLinears;
import dev.mft.peft.lora.TargetModules;
import dev.mft.peft.quant.Nf4Weights;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * LoRA over a frozen fp32 base, or QLoRA over a base whose projections are NF4: only the adapters train; checkpoints
 * and the result are PEFT adapter folders (the base is never copied).
 */
final class LoraTuning implements Tuning {
    /** The adapter folder inside a checkpoint of a LoRA/QLoRA run. */
    static final String ADAPTER = "adapter";

    private final LoraConfig config;
    private final LoraInit init;
    private final Nf4Weights nf4; // null: the base stays fp32
    private final NDManager root;
    private final String baseModel;
    private LoraLinears lora;

    private LoraTuning(TrainConfig c, LoraConfig config, LoraInit init, NDManager root, Device device) {
        this.config = config;
        this.init = init;
        this.nf4 = c.peft().method() == PeftConfig.PeftMethod.QLORA ? new Nf4Weights(root, device) : null;
        this.root = root;
        this.baseModel = c.model().pretrainedModelPath().toString();
    }

    /** New adapters (A kaiming-uniform from the run's seed, B zero) as the config describes them. */
    static LoraTuning fresh(TrainConfig c, NDManager root, Device device) {
        return new LoraTuning(c, loraConfig(c), LoraInit.fresh(c.runtime().seed()), root, device);
    }

    /** The adapters of a checkpoint, to continue training them. */
    static LoraTuning resumed(TrainConfig c, Path checkpoint, NDManager root, Device device) throws IOException {
        Path dir = checkpoint.resolve(ADAPTER);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(checkpoint + " holds no " + ADAPTER + "/ folder (was it written by a"
                    + " full fine-tuning run? then set \"peft_type\": null as that run did)");
        }
        LoadedAdapter adapter = loadFor(c, dir, root, device);
        LoraConfig now = loraConfig(c);
        LoraConfig then = adapter.config();
        boolean sameModules = TensorLayout.linearModules(ModelConfig.read(c.model().pretrainedModelPath())).stream()
                .allMatch(m -> now.targets().matches(m) == adapter.weights().containsKey(m));
        if (now.rank() != then.rank() || now.alpha() != then.alpha() || now.rsLora() != then.rsLora()
                || !sameModules) {
            throw new IllegalArgumentException(dir + " holds adapters with r=" + then.rank() + ", alpha="
                    + then.alpha() + ", use_rslora=" + then.rsLora() + " on " + adapter.weights().size() + " modules,"
                    + " but the config asks for r=" + now.rank() + ", alpha=" + now.alpha() + ", use_rslora="
                    + now.rsLora() + ", target_modules " + now.targets() + "; resume with the settings of that run");
        }
        return new LoraTuning(c, now, LoraInit.from(adapter.weights()), root, device);
    }

    /** A saved adapter over the config's base (NF4 when peft_type is qlora, as it was trained). */
    static LoraTuning fromAdapter(TrainConfig c, Path adapterDir, NDManager root, Device device) throws IOException {
        LoadedAdapter adapter = loadFor(c, adapterDir, root, device);
        return new LoraTuning(c, adapter.config(), LoraInit.from(adapter.weights()), root, device);
    }

    /** Reads an adapter and checks it against the base; its matrices are copied when the model is built. */
    private static LoadedAdapter loadFor(TrainConfig c, Path dir, NDManager root, Device device) throws IOException {
        LoadedAdapter adapter = AdapterFiles.load(dir, root, device); // freed with root (a few MB)
        AdapterCompatibility.check(adapter, ModelConfig.read(c.model().pretrainedModelPath()));
        return adapter;
    }

    static LoraConfig loraConfig(TrainConfig c) {
        PeftConfig p = c.peft();
        return new LoraConfig(p.loraRank(), p.loraAlpha(), p.loraDropout(), p.useRslora(),
                targets(p.targetModules(), c.model().modelType()));
    }

    private static TargetModules targets(dev.mft.cli.config.TargetModules t, String modelType) {
        if (t instanceof dev.mft.cli.config.TargetModules.Names n) {
            return new TargetModules.Names(n.names());
        }
        if (t instanceof dev.mft.cli.config.TargetModules.Regex r) {
            return new TargetModules.Regex(r.pattern());
        }
        if (t instanceof dev.mft.cli.config.TargetModules.AllLinear) {
            return new TargetModules.AllLinear();
        }
        return TargetModules.defaultFor(modelType);
    }

    @Override
    public WeightInterceptor interceptor() {
        return nf4 != null ? nf4 : WeightInterceptor.NONE;
    }

    @Override
    public ModelWeights load(TrainConfig c, HfTokenizer tokenizer, NDManager root, Device device, PrintStream out)
            throws IOException {
        return ModelSetup.load(c, c.model().pretrainedModelPath(), tokenizer, root, device, interceptor(), out);
    }

    @Override
    public LinearFactory linears(TorchDType compute) {
        if (lora != null) {
            throw new IllegalStateException("the adapters of this run are built already");
        }
        FrozenLinears base = nf4 != null ? nf4.linears(compute) : FrozenLinears.dense(compute);
        lora = new LoraLinears(config, base, init, compute, root);
        return lora;
    }

    @Override
    public List<Parameter> trainable(ModelWeights weights) {
        return lora.parameters();
    }

    @Override
    public String describe(ModelWeights weights) {
        String base = nf4 == null ? String.format("a frozen fp32 base of %,d parameters", weights.parameterCount())
                : String.format("a frozen base of %,d NF4 parameters in %,d bytes (%.3f bits each) and %,d fp32",
                        nf4.parameterCount(), nf4.bytes(), 8.0 * nf4.bytes() / nf4.parameterCount(),
                        weights.parameterCount());
        return String.format("%s: %,d trainable parameters in %d adapters (r=%d, alpha=%s, scaling %.4g, targets %s)"
                + " over %s", nf4 == null ? "lora" : "qlora", lora.parameterCount(), lora.adapters().size(),
                config.rank(), config.alpha(), config.scaling(), config.targets(), base);
    }

    @Override
    public void saveCheckpoint(ModelWeights weights, Path checkpointDir) throws IOException {
        AdapterFiles.save(checkpointDir.resolve(ADAPTER), config, baseModel, lora.adapters(), List.of());
    }

    @Override
    public void saveFinal(ModelWeights weights, Path dir, List<Path> tokenizerFiles) throws IOException {
        AdapterFiles.save(dir, config, baseModel, lora.adapters(), tokenizerFiles);
    }

    @Override
    public void close() {
        if (lora != null) {
            lora.close();
        }
        if (nf4 != null) {
            nf4.close();
        }
    }
}
