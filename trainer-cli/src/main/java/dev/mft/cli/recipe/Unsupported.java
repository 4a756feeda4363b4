package dev.mft.cli.recipe;

import dev.mft.cli.config.DataConfig;
import dev.mft.cli.config.PeftConfig;
import dev.mft.cli.config.TrainConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings the config accepts but this version cannot honour yet. They fail the run up front with the rule, the
 * value and what to set instead: a setting is never silently ignored.
 */
final class Unsupported {
    private Unsupported() {}

    static void check(TrainConfig c) {
        List<String> problems = new ArrayList<>();
        if (c.peft().quantization() == PeftConfig.Quantization.EIGHT_BIT) {
            problems.add("quantization \"8bit\": 8-bit base weights are not available; use \"peft_type\": \"qlora\""
                    + " with \"quantization\": \"4bit\" (NF4), or \"quantization\": null");
        }
        if (c.peft().method() != PeftConfig.PeftMethod.FULL && c.model().gradientCheckpointing()
                && c.peft().loraDropout() > 0) {
            // the checkpointed first pass runs without a graph, so without dropout, and the recompute draws new masks
            problems.add("gradient_checkpointing true with lora_dropout " + c.peft().loraDropout() + ": recomputed"
                    + " layers would not see the dropout masks of the first pass; set \"lora_dropout\": 0 or"
                    + " \"gradient_checkpointing\": false");
        }
        if (c.data().tokenizeMode() != DataConfig.TokenizeMode.SFT) {
            problems.add("tokenize_mode \"" + c.data().tokenizeMode().configName() + "\": only \"sft\" is available");
        }
        if (!c.data().loadRawDataset()) {
            problems.add("load_raw_dataset false: only raw JSONL data is read; set it to true");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the config asks for what this version cannot do:\n  - "
                    + String.join("\n  - ", problems));
        }
    }
}
