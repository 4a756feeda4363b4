package dev.mft.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** Which key positions each query may attend to, built on the device from index comparisons. */
final class AttentionMask {
    private AttentionMask() {}

    /** [T, T] bool: key j is visible to query i when j <= i. */
    static NDArray causal(NDManager manager, long t) {
        NDArray rows = manager.arange(0, (int) t, 1, DataType.INT64).reshape(t, 1);
        NDArray cols = manager.arange(0, (int) t, 1, DataType.INT64).reshape(1, t);
        return cols.lte(rows);
    }

    /**
     * [B, 1, T, T] bool for packed rows: causal and within one sample. Padding (sample -1) attends to earlier
     * padding only, so no query row is empty (an empty row would give NaN from softmax).
     *
     * @param sampleIds [B, T] int64
     */
    static NDArray packedCausal(NDArray sampleIds) {
        long t = sampleIds.getShape().get(1);
        NDArray same = sampleIds.expandDims(2).eq(sampleIds.expandDims(1)); // [B, T, T]
        return same.logicalAnd(causal(sampleIds.getManager(), t)).expandDims(1); // [B, 1, T, T]
    }
}
