package dev.mft.peft.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.Ops;

/**
 * NF4 quantization with double quantization (bitsandbytes' {@code quantize_4bit(..., quant_type="nf4",
 * compress_statistics=True)}) and its inverse, on one device. Holds the lookup tables on that device: unpacking is one
 * gather of a [256, 2] table per byte (the engine has no bitwise ops), and absmax codes one gather of a [256, 1] table.
 */
public final class Nf4Codec implements AutoCloseable {
    /** Absmax constants per double-quantization group (bitsandbytes' nested blocksize). */
    public static final int ABSMAX_BLOCK_SIZE = 256;

    private final NDManager tables;
    private final NDArray pairTable; // [256, 2]: the two code values of each byte
    private final NDArray nf4Midpoints; // [15]
    private final NDArray dynamicTable; // [256, 1]
    private final NDArray dynamicMidpoints; // [255]

    public Nf4Codec(NDManager parent, Device device) {
        tables = parent.newSubManager(device);
        float[] dynamic = DynamicMap.signed();
        pairTable = tables.create(Nf4.pairTable(), new Shape(256, 2)).toDevice(device, false);
        nf4Midpoints = tables.create(Blockwise.midpoints(Nf4.CODE)).toDevice(device, false);
        dynamicTable = tables.create(dynamic, new Shape(256, 1)).toDevice(device, false);
        dynamicMidpoints = tables.create(Blockwise.midpoints(dynamic)).toDevice(device, false);
        for (NDArray t : new NDArray[] {pairTable, nf4Midpoints, dynamicTable, dynamicMidpoints}) {
            t.attach(tables);
        }
    }

    /** Quantizes an fp32 weight (any shape); the result lives on {@code owner}, temporaries are freed. */
    public Nf4Tensor quantize(NDArray weight, NDManager owner) {
        try (Autograd.NoGrad noGrad = Autograd.noGrad(); NDManager scratch = owner.newSubManager()) {
            NDArray flat = weight.reshape(-1);
            flat.attach(scratch); // every op below then lands on scratch, never on the weight's manager
            Blockwise.Result codes = Blockwise.quantize(flat, nf4Midpoints, Nf4.BLOCK_SIZE);
            NDArray pairs = codes.indices().reshape(-1, 2); // [n/2, 2]: (first, second) of each byte
            NDArray packed = pairs.get(":, 0").mul(16).add(pairs.get(":, 1")).toType(DataType.UINT8, false);

            NDArray absmax = codes.absmax(); // [blocks]
            float offset = absmax.mean().getFloat();
            Blockwise.Result nested = Blockwise.quantize(absmax.sub(offset), dynamicMidpoints, ABSMAX_BLOCK_SIZE);
            NDArray absmaxCodes = nested.indices().toType(DataType.UINT8, false);

            NDArray[] kept = {packed, absmaxCodes, nested.absmax()};
            for (NDArray a : kept) {
                a.attach(owner);
            }
            return new Nf4Tensor(weight.getShape().getShape(), packed, absmaxCodes, nested.absmax(), offset);
        }
    }

    /** The fp32 weight of {@code t} in its original shape, computed on {@code scratch} (no gradient). */
    public NDArray dequantize(Nf4Tensor t, NDManager scratch) {
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            long blocks = t.blocks();
            NDArray scales = t.absmaxScales().reshape(-1, 1); // [groups, 1]
            scales.attach(scratch); // a view made from a stored array lands on the store's manager: move it
            NDArray absmax = Blockwise.prefix(lookup(t.absmaxCodes(), dynamicTable, scratch) // [groups * 256, 1]
                    .reshape(-1, ABSMAX_BLOCK_SIZE).mul(scales).reshape(-1), blocks).add(t.absmaxOffset()); // [blocks]
            NDArray values = lookup(t.packed(), pairTable, scratch) // [blocks * 32, 2], in weight order
                    .reshape(blocks, Nf4.BLOCK_SIZE).mul(absmax.reshape(blocks, 1)).reshape(-1);
            return Blockwise.prefix(values, t.size()).reshape(t.shape());
        }
    }

    /** The weight as QLoRA training sees it: quantized to NF4 and back, on {@code owner}. */
    public NDArray roundTrip(NDArray weight, NDManager owner) {
        try (NDManager scratch = owner.newSubManager(); Nf4Tensor t = quantize(weight, scratch)) {
            NDArray w = dequantize(t, scratch);
            w.attach(owner); // only the result outlives the call
            return w;
        }
    }

    /** table[codes], on scratch: the uint8 codes widened to int32 (the gather's index type). */
    private static NDArray lookup(NDArray codes, NDArray table, NDManager scratch) {
        NDArray index = codes.toType(DataType.INT32, false);
        index.attach(scratch);
        return Ops.embedding(index, table);
    }

    @Override
    public void close() {
        tables.close();
    }
}
