package dev.mft.cli.config;

import java.util.Objects;

/**
 * Parameter-efficient fine-tuning. With {@link PeftMethod#FULL} every parameter trains and the LoRA settings are
 * unused.
 *
 * @param method full fine-tuning, LoRA or QLoRA
 * @param quantization how QLoRA stores the frozen base weights
 * @param loraRank adapter rank r
 * @param loraAlpha adapter scaling numerator (scaling = alpha / r)
 * @param loraDropout dropout on the adapter input
 * @param useRslora scaling alpha / sqrt(r) instead of alpha / r
 * @param targetModules the linear layers that get adapters
 */
public record PeftConfig(
        PeftMethod method,
        Quantization quantization,
        int loraRank,
        int loraAlpha,
        double loraDropout,
        boolean useRslora,
        TargetModules targetModules) {

    /** {@code peft_type}: null = full fine-tuning. */
    public enum PeftMethod implements ConfigChoice {
        FULL {
            @Override
            public String configName() {
                return null;
            }
        },
        LORA,
        QLORA
    }

    /** {@code quantization}: null = none. */
    public enum Quantization implements ConfigChoice {
        NONE(null),
        FOUR_BIT("4bit"),
        EIGHT_BIT("8bit");

        private final String configName;

        Quantization(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }

    public PeftConfig {
        Objects.requireNonNull(method, "peft_type");
        Objects.requireNonNull(quantization, "quantization");
        Objects.requireNonNull(targetModules, TargetModules.KEY);
        Checks.positive("lora_rank", loraRank);
        Checks.positive("lora_alpha", loraAlpha);
        Checks.unitInterval("lora_dropout", loraDropout);
        // QLoRA here is bitsandbytes NF4: the base weights have to be stored in 4 bits.
        Checks.check(method != PeftMethod.QLORA || quantization == Quantization.FOUR_BIT, "quantization",
                quantization.configName(), "\"4bit\" when peft_type is \"qlora\" (QLoRA stores NF4 weights)");
    }
}
