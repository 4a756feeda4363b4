package dev.mft.cli.command;

import dev.mft.cli.recipe.Evaluation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** {@code mft eval}: the loss of the configured model on the configured data, without training. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Compute the mean token cross-entropy of pretrained_model_path over the trained tokens of the"
            + " data (eval_data_paths when set, else all of data_paths) and print one JSON line:",
            "  {\"loss\": <mean CE over trained tokens>, \"tokens\": <count>}", "Progress goes to stderr.",
            "With --adapter, the model is pretrained_model_path plus that PEFT adapter (over NF4 base weights when"
            + " peft_type is qlora, as QLoRA trained it).",
            "", "Examples:", "  mft eval --train_config configs/demo.json --pretrained_model_path work/demo-out/final",
            "  mft eval --train_config configs/demo_lora.json --adapter work/demo-lora-out/final"})
public final class EvalCommand implements Callable<Integer> {
    @Mixin
    TrainConfigOptions config;

    @Option(names = "--adapter", paramLabel = "<dir>",
            description = "A PEFT adapter folder (adapter_config.json + adapter_model.safetensors) to apply.")
    Path adapter;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        System.out.println(Evaluation.run(config.load(overrides), adapter, System.err).toJson());
        return 0;
    }
}
