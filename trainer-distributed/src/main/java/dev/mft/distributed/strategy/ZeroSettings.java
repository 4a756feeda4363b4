package dev.mft.distributed.strategy;

/**
 * How parameters, gradients and optimizer state are split across ranks (DeepSpeed's zero_optimization semantics).
 *
 * @param stage 0 = DDP (everything replicated, gradients all-reduced), 1 = optimizer state sharded, 2 = also
 *     gradients (reduce-scattered layer by layer), 3 = also parameters (gathered per layer just before use)
 * @param bucketElements most elements per communication bucket (the smaller of reduce_bucket_size and
 *     allgather_bucket_size)
 * @param prefetchElements stage 3: the next layer's gather starts while the current one computes when that layer has
 *     at most this many elements (stage3_prefetch_bucket_size; 0 = no prefetch)
 * @param persistenceThreshold stage 3: tensors with fewer elements stay whole on every rank
 *     (stage3_param_persistence_threshold)
 */
public record ZeroSettings(int stage, long bucketElements, long prefetchElements, long persistenceThreshold) {
    /** DeepSpeed's defaults: 5e8-element buckets, 5e7 prefetch, 1e5 persistence threshold. */
    public static ZeroSettings defaults(int stage) {
        return new ZeroSettings(stage, 500_000_000L, 50_000_000L, 100_000L);
    }

    public ZeroSettings {
        if (stage < 0 || stage > 3) {
            throw new IllegalArgumentException("zero_stage must be 0, 1, 2 or 3; got " + stage);
        }
        if (bucketElements < 1) {
            throw new IllegalArgumentException("reduce_bucket_size / allgather_bucket_size must be >= 1, got "
                    + bucketElements);
        }
        if (prefetchElements < 0 || persistenceThreshold < 0) {
            throw new IllegalArgumentException("stage3_prefetch_bucket_size and stage3_param_persistence_threshold must"
                    + " be >= 0; got " + prefetchElements + ", " + persistenceThreshold);
        }
    }

    public ZeroSettings withStage(int s) {
        return new ZeroSettings(s, bucketElements, prefetchElements, persistenceThreshold);
    }
}
