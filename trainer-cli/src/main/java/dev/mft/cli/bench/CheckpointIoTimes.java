package dev.mft.cli.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.io.AtomicFolders;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.optim.AdamW;
import dev.mft.core.safetensors.ShardedCheckpointWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Seconds to write and to read back what a training checkpoint holds: the fp32 model and the AdamW moments. */
record CheckpointIoTimes(double writeSeconds, double readSeconds, long bytes) {

    static CheckpointIoTimes measure(ModelWeights weights, AdamW optimizer, NDManager root, Device device)
            throws IOException {
        Path dir = Files.createTempDirectory("mft-bench-ckpt");
        try {
            long t0 = System.nanoTime();
            ModelCheckpoints.save(weights, dir.resolve("model"), "float32",
                    ShardedCheckpointWriter.DEFAULT_MAX_SHARD_BYTES, List.of());
            optimizer.save(dir.resolve("optimizer.safetensors"));
            long t1 = System.nanoTime();
            try (ModelWeights back = ModelCheckpoints.load(dir.resolve("model"), root, device)) {
                optimizer.load(dir.resolve("optimizer.safetensors"));
            }
            long t2 = System.nanoTime();
            long bytes;
            try (var walk = Files.walk(dir)) {
                bytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            return new CheckpointIoTimes((t1 - t0) / 1e9, (t2 - t1) / 1e9, bytes);
        } finally {
            AtomicFolders.deleteTree(dir);
        }
    }
}
