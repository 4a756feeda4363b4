package dev.mft.cli.bench;

import dev.mft.core.model.ModelConfig;

/**
 * Floating-point operations of one training step, counted the usual way (Kaplan et al.; PaLM's appendix B): a matmul
 * with P weights costs 2 P per token forward and 4 P backward (input and weight gradients), so full fine-tuning costs
 * 6 x matmul weights x tokens; a frozen weight needs no weight gradient (4 x); attention adds 12 x layers x
 * (heads x head_dim) x sequence length per token (scores and weighted sum, forward and backward, over the whole
 * T x T matrix even where a causal mask zeroes it). Norms, activations, softmax and the optimizer are not counted.
 *
 * @param matmulWeights weights of the projections and the lm_head (embedding lookups are no matmul)
 * @param trainedMatmulWeights of those, the ones that get a weight gradient (all for full fine-tuning; the adapters'
 *     own A and B under LoRA, which {@code adapterWeights} counts, none of the frozen base)
 * @param adapterWeights LoRA A and B weights (their matmuls run next to the frozen ones), 0 for full fine-tuning
 */
record StepFlops(long matmulWeights, long trainedMatmulWeights, long adapterWeights, long attentionPerToken) {

    /** Weights of every linear layer and of the head of {@code c}. */
    static long matmulWeights(ModelConfig c) {
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long h = c.hiddenSize();
        long perLayer = h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize();
        return perLayer * c.numHiddenLayers() + h * c.vocabSize();
    }

    /** Full fine-tuning: every matmul weight trains. */
    static StepFlops full(ModelConfig c, int seq) {
        long w = matmulWeights(c);
        return new StepFlops(w, w, 0, attentionPerToken(c, seq));
    }

    /** LoRA / QLoRA: the base is frozen, {@code adapterWeights} A and B weights train. */
    static StepFlops lora(ModelConfig c, int seq, long adapterWeights) {
        return new StepFlops(matmulWeights(c), 0, adapterWeights, attentionPerToken(c, seq));
    }

    private static long attentionPerToken(ModelConfig c, int seq) {
        return 12L * c.numHiddenLayers() * c.numAttentionHeads() * c.headDim() * seq;
    }

    /** FLOPs of a step over {@code tokens} tokens. */
    double perStep(long tokens) {
        double perToken = 4.0 * matmulWeights + 2.0 * trainedMatmulWeights + 6.0 * adapterWeights + attentionPerToken;
        return perToken * tokens;
    }
}
