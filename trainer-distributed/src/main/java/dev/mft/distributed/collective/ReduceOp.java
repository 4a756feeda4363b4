package dev.mft.distributed.collective;

/** How all_reduce and reduce_scatter combine the ranks' values. */
public enum ReduceOp {
    /** Element-wise sum. */
    SUM,
    /** Element-wise sum divided by the world size. */
    AVG
}
