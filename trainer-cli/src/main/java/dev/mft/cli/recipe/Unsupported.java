package dev.mft.cli.recipe;

import dev.mft.cli.config.DataConfig;
import dev.mft.cli.config.LossConfig;
import dev.mft.cli.config.PeftConfig;
import dev.mft.cli.config.RuntimeConfig;
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
        if (c.peft().method() != PeftConfig.PeftMethod.FULL) {
            problems.add("peft_type \"" + c.peft().method().configName() + "\": LoRA/QLoRA are not available in this"
                    + " version; set \"peft_type\": null for full fine-tuning");
        }
        if (c.runtime().mixedPrecision() != RuntimeConfig.MixedPrecision.NO) {
            problems.add("mixed_precision \"" + c.runtime().mixedPrecision().configName() + "\" (or bf16/fp16 true):"
                    + " this version trains in fp32; set \"mixed_precision\": \"no\"");
        }
        if (c.model().gradientCheckpointing()) {
            problems.add("gradient_checkpointing true: not available in this version; set it to false");
        }
        if (c.data().paddingMode() != DataConfig.PaddingMode.PADDING) {
            problems.add("padding_mode \"pack\": not available in this version; use \"padding\"");
        }
        if (c.data().tokenizeMode() != DataConfig.TokenizeMode.SFT) {
            problems.add("tokenize_mode \"" + c.data().tokenizeMode().configName() + "\": only \"sft\" is available");
        }
        if (!c.data().loadRawDataset()) {
            problems.add("load_raw_dataset false: only raw JSONL data is read; set it to true");
        }
        LossConfig.WeightedLossMode mode = c.loss().weightedLossMode();
        boolean tokenMean = mode == LossConfig.WeightedLossMode.CASE1
                || (mode == LossConfig.WeightedLossMode.CASE3 && c.data().dataPaths().size() == 1);
        if (!tokenMean) {
            problems.add("weighted_loss_mode \"" + mode.configName() + "\" with " + c.data().dataPaths().size()
                    + " task(s): this version computes the token mean over each optimizer step (case1, which equals"
                    + " case3 for one task); use \"case1\" or a single data_paths entry");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the config asks for what this version cannot do:\n  - "
                    + String.join("\n  - ", problems));
        }
    }
}
