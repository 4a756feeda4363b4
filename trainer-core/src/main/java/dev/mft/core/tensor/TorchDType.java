package dev.mft.core.tensor;

/** Tensor dtypes as libtorch knows them, including bf16, which DJL's {@code DataType} must never carry. */
public enum TorchDType {
    FLOAT32("float32", 4),
    FLOAT16("float16", 2),
    BFLOAT16("bfloat16", 2),
    FLOAT64("float64", 8),
    INT64("int64", 8),
    INT32("int32", 4),
    UINT8("uint8", 1),
    BOOL("bool", 1);

    private final String shimName;
    private final int byteSize;

    TorchDType(String shimName, int byteSize) {
        this.shimName = shimName;
        this.byteSize = byteSize;
    }

    String shimName() {
        return shimName;
    }

    public int byteSize() {
        return byteSize;
    }
}
