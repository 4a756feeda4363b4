package dev.mft.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.safetensors.ShardedCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckpointsTest {
    @TempDir
    Path dir;

    private static final ModelConfig CONFIG = TinyModels.llama(50, 16, 2, 4, 2, 24);

    @Test
    void saveThenLoadGivesTheSameTensorsAndAHfFolder() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(CONFIG, 7, 0.02, root, Device.cpu())) {
            Path out = dir.resolve("m");
            ModelCheckpoints.save(w, out, "float32", 5_000_000_000L, List.of());
            assertTrue(Files.isRegularFile(out.resolve("config.json")));
            try (ModelWeights back = ModelCheckpoints.load(out, root, Device.cpu())) {
                for (String name : TensorLayout.expected(CONFIG).keySet()) {
                    assertArrayEquals(w.tensors().get(name).toFloatArray(), back.tensors().get(name).toFloatArray(),
                            0f, name);
                }
            }
            // no temp or backup folders left beside it
            try (var list = Files.list(dir)) {
                assertEquals(List.of(out), list.toList());
            }
        }
    }

    @Test
    void bf16SaveRoundsToTheNearestBf16AndShardsAboveTheLimit() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(CONFIG, 7, 0.02, root, Device.cpu())) {
            Path out = dir.resolve("bf16");
            ModelCheckpoints.save(w, out, "bfloat16", 4_000, List.of());
            assertTrue(Files.isRegularFile(out.resolve("model.safetensors.index.json")));
            assertFalse(Files.exists(out.resolve("model.safetensors")));
            try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(out)) {
                assertTrue(ckpt.isSharded());
            }
            try (ModelWeights back = ModelCheckpoints.load(out, root, Device.cpu())) {
                float[] orig = w.tensors().get(TensorLayout.EMBED).toFloatArray();
                float[] got = back.tensors().get(TensorLayout.EMBED).toFloatArray();
                for (int i = 0; i < orig.length; i++) {
                    assertEquals(bf16RoundNearestEven(orig[i]), got[i], 0f, "element " + i);
                }
            }
        }
    }

    /** bf16 = the top 16 bits of fp32, rounded to nearest even (written independently of libtorch). */
    private static float bf16RoundNearestEven(float f) {
        int bits = Float.floatToRawIntBits(f);
        int lsb = (bits >> 16) & 1;
        int rounded = bits + 0x7FFF + lsb;
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    @Test
    void checkpointThatDoesNotFitTheConfigIsRefusedByTensorName() throws Exception {
        Path out = dir.resolve("m");
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                ModelWeights w = ModelWeights.random(CONFIG, 7, 0.02, root, Device.cpu())) {
            ModelCheckpoints.save(w, out, "float32", 5_000_000_000L, List.of());
        }
        String config = Files.readString(out.resolve("config.json"));
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Files.writeString(out.resolve("config.json"), config.replace("\"num_hidden_layers\" : 2",
                    "\"num_hidden_layers\" : 3"));
            CheckpointMismatchException missing = assertThrows(CheckpointMismatchException.class,
                    () -> ModelCheckpoints.load(out, root, Device.cpu()));
            assertTrue(missing.getMessage().contains("model.layers.2."), missing.getMessage());

            Files.writeString(out.resolve("config.json"), config.replace("\"num_hidden_layers\" : 2",
                    "\"num_hidden_layers\" : 1"));
            CheckpointMismatchException extra = assertThrows(CheckpointMismatchException.class,
                    () -> ModelCheckpoints.load(out, root, Device.cpu()));
            assertTrue(extra.getMessage().contains("model.layers.1."), extra.getMessage());

            Files.writeString(out.resolve("config.json"), config.replace("\"intermediate_size\" : 24",
                    "\"intermediate_size\" : 32"));
            CheckpointMismatchException shape = assertThrows(CheckpointMismatchException.class,
                    () -> ModelCheckpoints.load(out, root, Device.cpu()));
            assertTrue(shape.getMessage().contains("model.layers.0.mlp.gate_proj.weight")
                    && shape.getMessage().contains("[24, 16]") && shape.getMessage().contains("[32, 16]"),
                    shape.getMessage());
        }
    }
}
