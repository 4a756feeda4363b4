package dev.mft.distributed.strategy;

import ai.djl.ndarray.NDArray;
import dev.mft.core.tensor.TorchShim;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes one rank holds right now, measured from the storages behind its tensors (each storage counted once, so views
 * of a flat buffer are not counted twice, and an emptied tensor counts 0).
 */
public record MemoryReport(long parameterBytes, long gradientBytes, long optimizerBytes) {

    /** Sum of the distinct storages behind {@code tensors}. */
    static long distinctBytes(Collection<NDArray> tensors) {
        TorchShim shim = TorchShim.get();
        Map<Long, Long> byStorage = new HashMap<>();
        for (NDArray t : tensors) {
            long bytes = shim.storageBytes(t);
            if (bytes > 0) {
                byStorage.merge(shim.storageBase(t), bytes, Math::max);
            }
        }
        return byStorage.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalBytes() {
        return parameterBytes + gradientBytes + optimizerBytes;
    }
}
