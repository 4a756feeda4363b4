package dev.mft.cli.recipe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.cli.config.TrainConfig;
import dev.mft.cli.config.TrainConfigLoader;
import dev.mft.core.train.TokenBatch;
import dev.mft.data.batch.Batch;
import dev.mft.distributed.strategy.ZeroSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the train config and a DeepSpeed JSON combine, and how a global batch is split between ranks. */
class ParallelismTest {
    @TempDir
    Path dir;

    private TrainConfig config(String extra, String deepspeed) throws Exception {
        Files.writeString(dir.resolve("ds.json"), deepspeed);
        Path file = Files.writeString(dir.resolve("train.json"), "{\"data_paths\": [\"d\"], \"output_dir\": \"o\","
                + " \"pretrained_model_path\": \"m\", \"model_type\": \"llama\", \"deepspeed\": \"ds.json\","
                + " \"per_device_train_batch_size\": 4, \"gradient_accumulation_steps\": 2" + extra + "}");
        return TrainConfigLoader.load(file, Map.of(), dir);
    }

    @Test
    void theDeepSpeedFileGivesTheStageAndBuckets() throws Exception {
        ZeroSettings z = Parallelism.zeroSettings(config("", "{\"zero_optimization\": {\"stage\": 2,"
                + " \"reduce_bucket_size\": 1000}, \"train_batch_size\": 16, \"gradient_clipping\": 1.0}"), 2);
        assertEquals(new ZeroSettings(2, 1000, 50_000_000L, 100_000L), z);
    }

    @Test
    void settingsTheFileSharesWithTheTrainConfigMustAgree() throws Exception {
        String[][] cases = {
            {"", "{\"train_micro_batch_size_per_gpu\": 8}", "train_micro_batch_size_per_gpu 8 but the train config"
                + " gives per_device_train_batch_size = 4"},
            {"", "{\"train_batch_size\": 8}", "train_batch_size 8 but the train config gives"
                + " per_device_train_batch_size x gradient_accumulation_steps x world size = 16"},
            {"", "{\"gradient_clipping\": 0.3}", "gradient_clipping 0.3 but max_grad_norm is 1.0"},
            {", \"zero_stage\": 1", "{\"zero_optimization\": {\"stage\": 3}}", "zero_stage 1 but"}};
        for (String[] c : cases) {
            TrainConfig t = config(c[0], c[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Parallelism.zeroSettings(t, 2), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }

    /** A global batch of 3 rows, 2 columns: rows 0, 1, 2 with ids 10.., 20.., 30..; the last column is padding. */
    private static Batch globalBatch() {
        return new Batch(3, 2, new int[] {10, 0, 20, 21, 30, 0}, new int[] {-100, -100, -100, 21, -100, -100},
                new int[] {0, 1, 0, 1, 0, 1}, new int[] {1, 0, 1, 1, 1, 0}, new int[] {0, -1, 1, 1, 2, -1},
                new int[] {0, 0, 0});
    }

    @Test
    void eachRankKeepsItsRowsOfTheGlobalBatch() {
        TokenBatch r0 = BatchedData.rows(globalBatch(), 0, 2, 0); // rows [0, 1)
        TokenBatch r1 = BatchedData.rows(globalBatch(), 1, 2, 0); // rows [1, 3)
        assertArrayEquals(new int[] {10, 0}, r0.inputIds());
        assertEquals(1, r0.realTokens());
        assertArrayEquals(new int[] {20, 21, 30, 0}, r1.inputIds());
        assertArrayEquals(new int[] {-100, 21, -100, -100}, r1.labels());
        assertEquals(3, r1.realTokens());
        assertEquals(1, r0.trainedTokens() + r1.trainedTokens()); // the one trained token, exactly once
    }

    @Test
    void aRankLeftWithoutRowsTrainsOnePaddingRowThatCountsNothing() {
        TokenBatch r3 = BatchedData.rows(globalBatch(), 3, 4, 7); // 3 rows over 4 ranks: rank 3 gets [2, 3)... 
        TokenBatch r0 = BatchedData.rows(globalBatch(), 0, 4, 7); // ...and rank 0 gets [0, 0)
        assertEquals(1, r3.rows());
        assertEquals(1, r0.rows());
        assertArrayEquals(new int[] {7, 7}, r0.inputIds());
        assertEquals(0, r0.trainedTokens());
        assertEquals(0, r0.realTokens());
    }
}
