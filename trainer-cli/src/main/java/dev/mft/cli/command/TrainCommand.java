package dev.mft.cli.command;

import dev.mft.cli.recipe.FineTune;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

/** {@code mft train}: fine-tune the configured model on the configured data. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Fine-tune a HF Llama-family model (full parameters, LoRA or QLoRA; one device) on MFTCoder"
            + " chat_rounds data.",
            "Any config key can be overridden on the command line as --key value (or --key=value).",
            "Writes output_dir/metrics.jsonl (one JSON line per logged step) and output_dir/final/: a HF model folder,"
            + " or with peft_type lora/qlora a PEFT adapter folder (adapter_config.json + adapter_model.safetensors).",
            "", "Examples:", "  mft train --train_config configs/demo.json",
            "  mft train --train_config x.json --learning_rate 1e-4 --max_train_steps 100",
            "  mft train --train_config configs/demo_qlora.json"})
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    TrainConfigOptions config;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        FineTune.run(config.load(overrides), System.out);
        return 0;
    }
}
