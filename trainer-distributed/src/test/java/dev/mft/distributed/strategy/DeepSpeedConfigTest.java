package dev.mft.distributed.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeepSpeedConfigTest {

    private static Path write(Path dir, String json) throws Exception {
        return Files.writeString(dir.resolve("ds.json"), json);
    }

    /** The seed's ZeRO-2 file, as HF Trainer users write it. */
    @Test
    void theSeedsZero2ConfigReadsAsStage2WithItsBuckets(@TempDir Path dir) throws Exception {
        DeepSpeedConfig c = DeepSpeedConfig.read(write(dir, """
                {"bf16": {"enabled": "auto"},
                 "zero_optimization": {"stage": 2, "allgather_partitions": true, "allgather_bucket_size": 5e8,
                   "overlap_comm": false, "reduce_scatter": true, "reduce_bucket_size": 3e8,
                   "contiguous_gradients": true},
                 "gradient_accumulation_steps": "auto", "gradient_clipping": "auto", "steps_per_print": 2000,
                 "train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto", "wall_clock_breakdown": false}
                """));
        assertEquals(new ZeroSettings(2, 300_000_000L, 50_000_000L, 100_000L), c.zero());
        assertEquals(OptionalDouble.empty(), c.gradientClipping());
        assertEquals(OptionalLong.empty(), c.microBatch());
    }

    @Test
    void numbersThatMustAgreeWithTheTrainConfigAreKept(@TempDir Path dir) throws Exception {
        DeepSpeedConfig c = DeepSpeedConfig.read(write(dir, """
                {"zero_optimization": {"stage": 3, "stage3_prefetch_bucket_size": 1000,
                   "stage3_param_persistence_threshold": 10},
                 "gradient_clipping": 0.5, "train_micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 2}
                """));
        assertEquals(3, c.zero().stage());
        assertEquals(1000, c.zero().prefetchElements());
        assertEquals(10, c.zero().persistenceThreshold());
        assertEquals(OptionalDouble.of(0.5), c.gradientClipping());
        assertEquals(OptionalLong.of(4), c.microBatch());
        assertEquals(OptionalLong.of(2), c.accumulation());
    }

    @Test
    void whatMftCannotHonourIsAnErrorNamingTheKey(@TempDir Path dir) throws Exception {
        String[][] cases = {
            {"{\"zero_optimization\": {\"stage\": 3, \"offload_param\": {\"device\": \"cpu\"}}}",
                "'zero_optimization.offload_param': offloading"},
            {"{\"optimizer\": {\"type\": \"AdamW\"}}", "'optimizer': mft trains with AdamW"},
            {"{\"bf16\": {\"enabled\": true}}", "'bf16.enabled' true"},
            {"{\"zero_optimization\": {\"stage\": 5}}", "zero_stage must be 0, 1, 2 or 3"},
            {"{\"zero_optimization\": {\"stagee\": 2}}", "'zero_optimization.stagee' is not a setting"},
            {"{\"fp32_reduce\": true}", "'fp32_reduce' is not a DeepSpeed setting mft applies"},
            {"{\"gradient_clipping\": \"one\"}", "'gradient_clipping' must be a number or \"auto\""},
            {"{\"zero_optimization\": {\"reduce_bucket_size\": 2.5}}", "must be a whole number"}};
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DeepSpeedConfig.read(write(dir, c[0])), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
