package dev.mft.peft.lora;

import java.util.Objects;

/**
 * A LoRA adapter's hyper-parameters.
 *
 * @param rank r, the inner dimension of B @ A
 * @param alpha scaling numerator
 * @param dropout dropout probability on the adapter's input, in [0, 1)
 * @param rsLora scale by alpha / sqrt(r) (rank-stabilized LoRA) instead of alpha / r
 * @param targets the linear layers that get adapters
 */
public record LoraConfig(int rank, double alpha, double dropout, boolean rsLora, TargetModules targets) {
    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank r must be > 0, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora_alpha must be a finite number > 0, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        Objects.requireNonNull(targets, "target_modules");
    }

    /** The factor on B @ A: alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public double scaling() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
}
