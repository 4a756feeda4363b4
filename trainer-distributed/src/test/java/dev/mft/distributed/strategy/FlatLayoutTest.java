package dev.mft.distributed.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class FlatLayoutTest {

    @Test
    void tensorsAreLaidEndToEndAndPaddedToEqualShards() {
        FlatLayout l = FlatLayout.of(new long[] {5, 3, 4}, 3); // 12 elements, already a multiple of 3
        assertEquals(12, l.padded());
        assertEquals(4, l.shardSize());
        // rank 1 owns elements 4..7: the last one of tensor 0 and the first three of tensor 1
        assertEquals(List.of(new FlatLayout.Segment(0, 4, 0, 1), new FlatLayout.Segment(1, 0, 1, 3)),
                l.segments(1));
        assertEquals(List.of(new FlatLayout.Segment(2, 0, 0, 4)), l.segments(2));
    }

    @Test
    void paddingBelongsToNoTensor() {
        FlatLayout l = FlatLayout.of(new long[] {7}, 4); // padded to 8: rank 3 owns element 6 and one pad
        assertEquals(8, l.padded());
        assertEquals(List.of(new FlatLayout.Segment(0, 6, 0, 1)), l.segments(3));
        long covered = 0;
        for (int r = 0; r < 4; r++) {
            covered += l.segments(r).stream().mapToLong(FlatLayout.Segment::length).sum();
        }
        assertEquals(7, covered);
    }

    @Test
    void moduleNamesFollowTheLayerNumber() {
        assertEquals(0, ModulePlan.moduleOf("model.embed_tokens.weight", 4));
        assertEquals(3, ModulePlan.moduleOf("model.layers.2.mlp.up_proj.weight", 4));
        assertEquals(2, ModulePlan.moduleOf("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight", 4));
        assertEquals(5, ModulePlan.moduleOf("model.norm.weight", 4));
        assertEquals(5, ModulePlan.moduleOf("lm_head.weight", 4));
        assertEquals(6, ModulePlan.moduleOf("something.else", 4));
    }
}
