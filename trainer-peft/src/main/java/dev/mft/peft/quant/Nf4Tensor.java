package dev.mft.peft.quant;

import ai.djl.ndarray.NDArray;

/**
 * A weight stored as NF4 with double-quantized absmax constants. Layout (all flat, zero-padded at the end):
 * <ul>
 *   <li>{@code packed}: uint8 [ceil(n / 64) * 32], two 4-bit codes per byte, the FIRST weight in the HIGH nibble;
 *   <li>{@code absmaxCodes}: uint8 [ceil(blocks / 256) * 256], each block's absmax minus {@code absmaxOffset}, as an
 *       index into {@link DynamicMap#signed()} scaled per group of 256 blocks;
 *   <li>{@code absmaxScales}: fp32 [ceil(blocks / 256)], those groups' absolute maxima;
 *   <li>{@code absmaxOffset}: the mean of all blocks' absmax.
 * </ul>
 * So a weight costs 4 bits + 8/64 bits + 32/(64*256) bits = 4.127 bits, instead of 32.
 *
 * @param shape the original shape, e.g. [out, in]
 */
public record Nf4Tensor(long[] shape, NDArray packed, NDArray absmaxCodes, NDArray absmaxScales, float absmaxOffset)
        implements AutoCloseable {

    /** Number of weights. */
    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Absmax blocks of 64 weights. */
    public long blocks() {
        return Blockwise.blocks(size(), Nf4.BLOCK_SIZE);
    }

    /** Bytes this tensor holds (codes, absmax codes, scales and the offset). */
    public long bytes() {
        return packed.size() + absmaxCodes.size() + 4 * absmaxScales.size() + 4;
    }

    @Override
    public void close() {
        packed.close();
        absmaxCodes.close();
        absmaxScales.close();
    }
}
