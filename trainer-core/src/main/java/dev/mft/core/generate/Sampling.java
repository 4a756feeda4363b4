package dev.mft.core.generate;

import java.util.Set;

/**
 * How tokens are chosen: greedy when {@code temperature == 0}, else softmax(logits / temperature) restricted to the
 * smallest set of tokens whose probability reaches {@code topP} (nucleus sampling), drawn with a seeded generator.
 */
public record Sampling(int maxNewTokens, double temperature, double topP, long seed, Set<Integer> stopIds) {
    public Sampling {
        if (maxNewTokens <= 0 || temperature < 0 || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("need max_new_tokens > 0, temperature >= 0 and 0 < top_p <= 1; got "
                    + maxNewTokens + ", " + temperature + ", " + topP);
        }
        stopIds = Set.copyOf(stopIds);
    }

    public static Sampling greedy(int maxNewTokens, Set<Integer> stopIds) {
        return new Sampling(maxNewTokens, 0, 1, 0, stopIds);
    }
}
