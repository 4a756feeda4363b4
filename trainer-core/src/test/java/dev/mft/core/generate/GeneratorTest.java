package dev.mft.core.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.model.TinyModels;
import java.util.SplittableRandom;
import java.util.Set;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.ParameterizedTest;

class GeneratorTest {
    private static final ModelConfig CONFIG = TinyModels.llama(60, 32, 2, 4, 2, 48);

    @ParameterizedTest
    @EnumSource(LlamaModel.Attention.class)
    void greedyWithKvCacheEqualsGreedyWithoutTokenForToken(LlamaModel.Attention attention) {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(CONFIG, 3, 0.5, root, Device.cpu())) {
            LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                    LinearFactory.dense(), attention);
            Generator g = new Generator(model, root, Device.cpu());
            int[] prompt = {5, 17, 42, 8, 33};
            Sampling greedy = Sampling.greedy(24, Set.of());
            int[] cached = g.generate(prompt, greedy, true, t -> { });
            int[] plain = g.generate(prompt, greedy, false, t -> { });
            assertEquals(24, cached.length);
            assertArrayEquals(plain, cached);
            // large init makes the choice non-trivial: the output is not one repeated token
            assertTrue(java.util.Arrays.stream(cached).distinct().count() > 2);
        }
    }

    @ParameterizedTest
    @EnumSource(value = LlamaModel.Attention.class, names = "SDPA")
    void generationStopsAtAStopToken(LlamaModel.Attention attention) {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(CONFIG, 3, 0.5, root, Device.cpu())) {
            LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                    LinearFactory.dense(), attention);
            Generator g = new Generator(model, root, Device.cpu());
            int[] free = g.generate(new int[] {1, 2, 3}, Sampling.greedy(10, Set.of()), true, t -> { });
            int[] stopped = g.generate(new int[] {1, 2, 3}, Sampling.greedy(10, Set.of(free[3])), true, t -> { });
            int firstStop = 0;
            while (free[firstStop] != free[3]) {
                firstStop++;
            }
            assertEquals(firstStop + 1, stopped.length);
        }
    }

    @org.junit.jupiter.api.Test
    void nucleusSamplingOnlyDrawsFromTheTopP() {
        // probabilities 0.5, 0.3, 0.15, 0.05 (logits = log p): top_p 0.8 keeps exactly the first two
        float[] logits = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        Sampling s = new Sampling(1, 1.0, 0.8, 0, Set.of());
        SplittableRandom rng = new SplittableRandom(9);
        int[] counts = new int[4];
        for (int i = 0; i < 4000; i++) {
            counts[Generator.choose(logits, s, rng)]++;
        }
        assertEquals(0, counts[2] + counts[3]);
        // renormalized 0.5/0.8 = 0.625
        assertEquals(0.625, counts[0] / 4000.0, 0.03);
    }
}
