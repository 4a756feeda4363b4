package dev.mft.peft.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.TorchShim;

/**
 * Blockwise absmax quantization against a sorted code table, with bitsandbytes' semantics (quantize_4bit /
 * quantize_blockwise): each block of {@code blockSize} values is multiplied by {@code 1 / absmax} (absmax floored at
 * 1e-38 for that reciprocal only), clamped to [-1, 1] and mapped to the nearest code value; a value exactly between
 * two codes takes the lower one. A partial last block is padded with zeros, which leaves its absmax unchanged.
 */
final class Blockwise {
    private Blockwise() {}

    /**
     * @param indices int32 code index per value, [blocks * blockSize] (padding included)
     * @param absmax fp32 scale per block, [blocks]
     */
    record Result(NDArray indices, NDArray absmax) {}

    /** Quantizes a 1-D fp32 array; results are attached to {@code flat}'s manager. */
    static Result quantize(NDArray flat, NDArray midpoints, int blockSize) {
        long blocks = blocks(flat.size(), blockSize);
        NDArray rows = padded(flat, blocks * blockSize).reshape(blocks, blockSize);
        NDArray absmax = rows.abs().max(new int[] {1}); // [blocks]
        NDArray inverse = absmax.maximum(1e-38f).getNDArrayInternal().rdiv(1f); // [blocks]
        NDArray scaled = rows.mul(inverse.reshape(blocks, 1)).clip(-1f, 1f).reshape(-1); // [blocks * blockSize]
        return new Result(TorchShim.get().bucketize(scaled, midpoints), absmax);
    }

    /** Midpoints between consecutive code values in float32, as bitsandbytes computes its bucket bounds. */
    static float[] midpoints(float[] code) {
        float[] mid = new float[code.length - 1];
        for (int i = 0; i < mid.length; i++) {
            mid[i] = (code[i] + code[i + 1]) / 2f;
        }
        return mid;
    }

    static long blocks(long n, int blockSize) {
        return (n + blockSize - 1) / blockSize;
    }

    /** {@code x} with zeros appended up to {@code length} (x itself when it has that length). */
    static NDArray padded(NDArray x, long length) {
        long missing = length - x.size();
        return missing == 0 ? x : x.concat(x.getManager().zeros(new Shape(missing), x.getDataType(), x.getDevice()));
    }

    /** The first {@code length} elements of a 1-D array (x itself when it has that length). */
    static NDArray prefix(NDArray x, long length) {
        return x.size() == length ? x : x.get(new NDIndex("0:" + length));
    }
}
