package dev.mft.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.sun.jna.Pointer;
import dev.mft.core.io.ByteChannels;
import dev.mft.core.safetensors.SafetensorsDType;
import dev.mft.core.safetensors.TensorEntry;
import dev.mft.core.safetensors.TensorInfo;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchShim;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Locale;

/**
 * Moves float tensors between safetensors bytes and fp32 training tensors in both directions, for every folder mft
 * reads or writes (models, adapters): F32/F16/BF16/F64 in, float32/float16/bfloat16 out. bf16 only ever passes through
 * the shim, never DJL's DataType.
 */
public final class StoredTensors {
    private StoredTensors() {}

    /**
     * A fresh fp32 copy of a stored tensor on {@code device}, attached to {@code manager}.
     *
     * @param data the tensor's bytes (e.g. a mapped slice), read but not kept
     * @param where the file, for error messages
     */
    public static NDArray toFp32(NDManager manager, ByteBuffer data, TensorInfo info, Device device, Object where) {
        TorchShim shim = TorchShim.get();
        try (NDManager scratch = manager.newSubManager()) {
            NDArray mapped = shim.fromBuffer(scratch, data, 0, torchDType(info, where), info.shape()); // zero-copy view
            NDArray f32 = info.dtype() == SafetensorsDType.F32 ? mapped.duplicate()
                    : shim.cast(mapped, TorchDType.FLOAT32); // a fresh fp32 copy
            NDArray onDevice = device.equals(f32.getDevice()) ? f32 : f32.toDevice(device, false);
            onDevice.attach(manager);
            return onDevice;
        }
    }

    private static TorchDType torchDType(TensorInfo info, Object where) {
        switch (info.dtype()) {
            case F32:
                return TorchDType.FLOAT32;
            case F16:
                return TorchDType.FLOAT16;
            case BF16:
                return TorchDType.BFLOAT16;
            case F64:
                return TorchDType.FLOAT64;
            default:
                throw new CheckpointMismatchException(where + ": tensor '" + info.name() + "' is " + info.dtype()
                        + "; weights must be F32, F16, BF16 or F64");
        }
    }

    /** "float32", "float16" or "bfloat16" (HF's torch_dtype spelling) as a dtype to save in. */
    public static TorchDType saveDType(String dtype) {
        switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32":
                return TorchDType.FLOAT32;
            case "float16":
                return TorchDType.FLOAT16;
            case "bfloat16":
                return TorchDType.BFLOAT16;
            default:
                throw new IllegalArgumentException("save dtype must be float32, float16 or bfloat16; got " + dtype);
        }
    }

    /**
     * A safetensors entry that streams {@code tensor} converted to {@code target} when the file is written.
     * Temporaries live on sub-managers of {@code scratch}, which must outlive the write.
     */
    public static TensorEntry entry(String name, NDArray tensor, TorchDType target, NDManager scratch) {
        SafetensorsDType stored = target == TorchDType.FLOAT32 ? SafetensorsDType.F32
                : target == TorchDType.FLOAT16 ? SafetensorsDType.F16 : SafetensorsDType.BF16;
        return TensorEntry.streamed(name, stored, tensor.getShape().getShape(),
                out -> write(tensor, target, scratch, out));
    }

    private static void write(NDArray tensor, TorchDType target, NDManager scratch, WritableByteChannel out)
            throws IOException {
        try (NDManager local = scratch.newSubManager()) {
            NDArray cpu = tensor.getDevice().equals(Device.cpu()) ? tensor : tensor.toDevice(Device.cpu(), false);
            if (cpu != tensor) {
                cpu.attach(local);
            }
            NDArray converted = TorchShim.get().cast(cpu, target);
            converted.attach(local);
            NDArray contiguous = converted.duplicate(); // dense row-major copy we can read by pointer
            contiguous.attach(local);
            long bytes = contiguous.size() * target.byteSize();
            ByteBuffer view = new Pointer(TorchShim.get().dataPointer(contiguous)).getByteBuffer(0, bytes);
            ByteChannels.writeFully(out, view);
        }
    }
}
