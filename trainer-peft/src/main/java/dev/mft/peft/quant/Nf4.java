package dev.mft.peft.quant;

/**
 * bitsandbytes' 4-bit NormalFloat data type: 16 code values (quantiles of N(0, 1) scaled to [-1, 1], with an exact 0),
 * applied per block of 64 weights scaled by the block's absolute maximum.
 */
public final class Nf4 {
    private Nf4() {}

    /** Weights per absmax block (bitsandbytes' default for NF4). */
    public static final int BLOCK_SIZE = 64;

    /** The code values, index = 4-bit code (bitsandbytes' NF4 table, sorted ascending). */
    public static final float[] CODE = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f,
        1.0f};

    /**
     * Both code values packed in a byte, as a [256 * 2] table: row b holds (CODE[b >> 4], CODE[b & 15]), because the
     * FIRST of two consecutive weights sits in the HIGH nibble. One gather of this table unpacks a byte into its two
     * values in order; the engine has no bitwise ops on tensors.
     */
    static float[] pairTable() {
        float[] t = new float[512];
        for (int b = 0; b < 256; b++) {
            t[2 * b] = CODE[b >> 4];
            t[2 * b + 1] = CODE[b & 15];
        }
        return t;
    }
}
