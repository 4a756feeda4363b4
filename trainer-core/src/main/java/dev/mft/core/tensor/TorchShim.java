package dev.mft.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ONE place that talks to libtorch's C shim ({@code torch/csrc/inductor/aoti_torch/c/shim.h}) through JNA.
 *
 * <p>DJL's {@code PtNDArray.getHandle()} is an {@code at::Tensor*}, which is exactly an {@code AtenTensorHandle},
 * so handles move both ways. The shim gives what DJL lacks: calling any aten op by name through the dispatcher (with
 * autograd: differentiable dtype casts, scaled_dot_product_attention), raw data pointers, and tensors over memory we
 * own (memory-mapped safetensors, bf16 included, which DJL's DataType must never see).
 *
 * <p>The shim is libtorch-internal API, not a stable contract: every symbol used is resolved eagerly in {@link #get()}
 * and a missing one fails with a message naming it ({@code TorchShimTest} checks all of them).
 */
public final class TorchShim {

    /** Every symbol this class calls; resolved at start-up so a libtorch without one fails loudly and early. */
    static final List<String> REQUIRED_SYMBOLS = List.of(
            "aoti_torch_call_dispatcher",
            "aoti_torch_new_tensor_handle",
            "aoti_torch_delete_tensor_object",
            "aoti_torch_get_data_ptr",
            "aoti_torch_create_tensor_from_blob",
            "aoti_torch_get_dtype",
            "aoti_torch_get_storage_size",
            "aoti_torch_get_numel",
            "aoti_torch_get_storage_offset",
            "aoti_torch_get_dim",
            "aoti_torch_get_sizes",
            "aoti_torch_get_strides",
            "aoti_torch_copy_",
            "aoti_torch_zero_",
            "aoti_torch_addmm_out",
            "aoti_torch_device_type_cpu",
            "aoti_torch_device_type_cuda",
            "aoti_torch_dtype_float32",
            "aoti_torch_dtype_float16",
            "aoti_torch_dtype_bfloat16",
            "aoti_torch_dtype_float64",
            "aoti_torch_dtype_int64",
            "aoti_torch_dtype_int32",
            "aoti_torch_dtype_uint8",
            "aoti_torch_dtype_bool",
            // libstdc++'s operator new(size_t), reached through libtorch's dependencies: an optional argument of the
            // dispatcher is a heap StableIValue that libtorch deletes with operator delete (see boxOptional)
            "_Znwm",
            // at::get_cpu_capability(): the CPU kernel set libtorch dispatches to, as a std::string
            "_ZN2at18get_cpu_capabilityB5cxx11Ev",
            "_ZdlPv");

    private static volatile TorchShim instance;

    private final NativeLibrary library;
    private final com.sun.jna.Function callDispatcher;
    private final com.sun.jna.Function newTensorHandle;
    private final com.sun.jna.Function deleteTensor;
    private final com.sun.jna.Function getDataPtr;
    private final com.sun.jna.Function fromBlob;
    private final com.sun.jna.Function getDtype;
    private final com.sun.jna.Function operatorNew;
    private final int deviceCpu;
    private final int deviceCuda;

    private TorchShim(NativeLibrary library) {
        this.library = library;
        List<String> missing = new ArrayList<>();
        for (String symbol : REQUIRED_SYMBOLS) {
            try {
                library.getFunction(symbol);
            } catch (UnsatisfiedLinkError e) {
                missing.add(symbol);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("libtorch at " + library.getFile() + " lacks C-shim symbols " + missing
                    + "; mft needs libtorch 2.7.1 (ai.djl.pytorch:pytorch-native-cpu:2.7.1 or a CUDA build of 2.7.1)");
        }
        callDispatcher = library.getFunction("aoti_torch_call_dispatcher");
        newTensorHandle = library.getFunction("aoti_torch_new_tensor_handle");
        deleteTensor = library.getFunction("aoti_torch_delete_tensor_object");
        getDataPtr = library.getFunction("aoti_torch_get_data_ptr");
        fromBlob = library.getFunction("aoti_torch_create_tensor_from_blob");
        getDtype = library.getFunction("aoti_torch_get_dtype");
        operatorNew = library.getFunction("_Znwm");
        deviceCpu = library.getFunction("aoti_torch_device_type_cpu").invokeInt(new Object[0]);
        deviceCuda = library.getFunction("aoti_torch_device_type_cuda").invokeInt(new Object[0]);
    }

    /** The shim over the libtorch that DJL loaded (DJL's engine must be started first: see {@link TorchRuntime}). */
    public static TorchShim get() {
        TorchShim s = instance;
        if (s == null) {
            synchronized (TorchShim.class) {
                s = instance;
                if (s == null) {
                    TorchRuntime.start();
                    Path dir = Path.of(LibUtils.getLibtorchPath());
                    Path lib = dir.resolve("libtorch_cpu.so");
                    if (!Files.exists(lib)) {
                        throw new IllegalStateException("libtorch_cpu.so not found in DJL's libtorch folder " + dir);
                    }
                    s = new TorchShim(NativeLibrary.getInstance(lib.toString()));
                    instance = s;
                }
            }
        }
        return s;
    }

    /** libtorch's code for a dtype (the values of c10::ScalarType, read from the library, never assumed). */
    public int dtypeCode(TorchDType dtype) {
        return library.getFunction("aoti_torch_dtype_" + dtype.shimName()).invokeInt(new Object[0]);
    }

    /** The dtype of a tensor as libtorch sees it (DJL reports bf16 as UNKNOWN). */
    public TorchDType dtypeOf(NDArray array) {
        int[] out = new int[1];
        check(getDtype.invokeInt(new Object[] {handle(array), out}), "aoti_torch_get_dtype");
        for (TorchDType t : TorchDType.values()) {
            if (dtypeCode(t) == out[0]) {
                return t;
            }
        }
        throw new IllegalStateException("tensor has a dtype code " + out[0] + " that mft does not handle");
    }

    /**
     * The CPU kernel set libtorch dispatches to ({@code at::get_cpu_capability()}: "AVX512", "AVX2", "NO AVX", ...),
     * fixed at its first CPU kernel (see {@link AtenCpuKernels}); null off x86-64.
     */
    public String cpuCapability() {
        String arch = System.getProperty("os.arch");
        if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
            return null; // elsewhere the hidden result pointer goes in another register (x8 on aarch64) than JNA's
        }
        // std::string comes back through a hidden pointer to 32 bytes the caller owns, passed as the first argument
        // (x86-64 SysV, libstdc++): { char* data; size_t length; char inline[16] or capacity }, data pointing inside
        // it for short strings
        try (Memory out = new Memory(32)) {
            library.getFunction("_ZN2at18get_cpu_capabilityB5cxx11Ev").invoke(Void.class, new Object[] {out});
            Pointer data = out.getPointer(0);
            String value = new String(data.getByteArray(0, (int) out.getLong(8)), StandardCharsets.UTF_8);
            if (Pointer.nativeValue(data) != Pointer.nativeValue(out) + 16) { // a long string lives on the heap
                library.getFunction("_ZdlPv").invoke(Void.class, new Object[] {data});
            }
            return value;
        }
    }

    /** Raw data pointer of a tensor (CPU or GPU memory), borrowed: valid while the tensor lives. */
    public long dataPointer(NDArray array) {
        long[] out = new long[1];
        check(getDataPtr.invokeInt(new Object[] {handle(array), out}), "aoti_torch_get_data_ptr");
        return out[0];
    }

    /**
     * Bytes of the storage behind a tensor (0 after {@link #releaseStorage}): what the tensor really holds in memory,
     * whatever shape DJL has cached.
     */
    public long storageBytes(NDArray array) {
        long[] out = new long[1];
        check(library.getFunction("aoti_torch_get_storage_size").invokeInt(new Object[] {handle(array), out}),
                "aoti_torch_get_storage_size");
        return out[0];
    }

    /**
     * Address of the start of a tensor's storage (its data pointer minus its offset): views of one buffer share it,
     * so memory can be counted once per storage.
     */
    public long storageBase(NDArray array) {
        long[] offset = new long[1];
        check(library.getFunction("aoti_torch_get_storage_offset").invokeInt(new Object[] {handle(array), offset}),
                "aoti_torch_get_storage_offset");
        return dataPointer(array) - offset[0] * dtypeOf(array).byteSize();
    }

    /**
     * The tensor's version counter ({@code aten::_version}): every in-place op on it, or on a view of its memory, adds
     * one (autograd's accumulation into a {@code .grad} included); writes through raw memory do not.
     */
    public long version(NDArray array) {
        long[] stack = {newHandle(array)};
        dispatch("aten::_version", "", stack);
        return stack[0];
    }

    /**
     * The address of the {@code TensorImpl} behind a handle (an {@code at::Tensor} is one pointer to it): the same for
     * every handle of one tensor, e.g. each {@code getGradient()} of a parameter, and different for another tensor
     * alive at the same time.
     */
    public long tensorImpl(NDArray array) {
        return new Pointer(handle(array)).getLong(0);
    }

    /** Sets every element to zero in place (a multiply by 0 would keep NaNs). */
    public void zero(NDArray array) {
        check(library.getFunction("aoti_torch_zero_").invokeInt(new Object[] {handle(array)}), "aoti_torch_zero_");
    }

    /** Whether a tensor is densely packed in row-major order (so its memory is one span of numel elements). */
    public boolean isContiguous(NDArray array) {
        long h = handle(array);
        long[] dim = new long[1];
        check(library.getFunction("aoti_torch_get_dim").invokeInt(new Object[] {h, dim}), "aoti_torch_get_dim");
        if (dim[0] == 0) {
            return true;
        }
        long[] sizesPtr = new long[1];
        long[] stridesPtr = new long[1];
        check(library.getFunction("aoti_torch_get_sizes").invokeInt(new Object[] {h, sizesPtr}), "aoti_torch_get_sizes");
        check(library.getFunction("aoti_torch_get_strides").invokeInt(new Object[] {h, stridesPtr}),
                "aoti_torch_get_strides");
        long[] sizes = new Pointer(sizesPtr[0]).getLongArray(0, (int) dim[0]);
        long[] strides = new Pointer(stridesPtr[0]).getLongArray(0, (int) dim[0]);
        long expected = 1;
        for (int i = sizes.length - 1; i >= 0; i--) {
            if (sizes[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= sizes[i];
        }
        return true;
    }

    /**
     * The memory of a contiguous CPU tensor as a direct buffer in native byte order (no copy; valid while the tensor
     * and its storage live): how a CPU collective reads and writes tensors in place.
     */
    public ByteBuffer hostBytes(NDArray array) {
        if (!ai.djl.Device.Type.CPU.equals(array.getDevice().getDeviceType())) {
            throw new IllegalArgumentException("hostBytes needs a CPU tensor, got one on " + array.getDevice());
        }
        if (!isContiguous(array)) {
            throw new IllegalArgumentException("hostBytes needs a contiguous tensor");
        }
        long[] numel = new long[1];
        check(library.getFunction("aoti_torch_get_numel").invokeInt(new Object[] {handle(array), numel}),
                "aoti_torch_get_numel");
        return hostView(array, numel[0] * dtypeOf(array).byteSize());
    }

    /**
     * The memory of a contiguous fp32 CPU tensor as bytes in native order (no copy; valid while the tensor and its
     * storage live), or null when the tensor is not that (another dtype or device, strided, or over 2 GiB): how host
     * kernels such as the fused AdamW read and write tensors in place. Costs one or a few native calls.
     */
    public ByteBuffer hostFloatBytes(NDArray array) {
        if (array.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32
                || !ai.djl.Device.Type.CPU.equals(array.getDevice().getDeviceType()) || !isContiguous(array)) {
            return null;
        }
        long bytes = array.getShape().size() * Float.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            return null; // a buffer indexes with int; such a tensor takes the composed path
        }
        return hostView(array, bytes);
    }

    /** {@code bytes} of a contiguous CPU tensor's memory from its data pointer, native byte order, no copy. */
    private ByteBuffer hostView(NDArray array, long bytes) {
        if (bytes == 0) {
            return ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
        }
        return new Pointer(dataPointer(array)).getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Makes {@code target} use {@code source}'s memory, offset, sizes and strides ({@code aten::set_.source_Tensor});
     * {@code target} keeps its identity, so the model, its layers and autograd (a leaf's {@code .grad} too) see the new
     * memory. Call it under no-grad: it is an in-place op on a leaf. This is how parameters and gradients become
     * views of flat communication buffers.
     */
    public void setStorage(NDArray target, NDArray source) {
        long[] stack = {newHandle(target), newHandle(source)};
        dispatch("aten::set_", "source_Tensor", stack);
        deleteHandle(stack[0]);
    }

    /** Copies {@code source}'s values into {@code target} in place (same numel; shapes may differ by a reshape). */
    public void copyInto(NDArray target, NDArray source) {
        copyInto(target, source, false);
    }

    /**
     * The same, optionally non-blocking: from pinned host memory into a CUDA tensor the copy is queued on the current
     * stream and this returns at once (later work on that stream sees the data; libtorch's pinned-memory allocator
     * keeps the host block until the copy is done, so the source may be closed right away). From pageable memory,
     * or between CPU tensors, non-blocking copies synchronously, as torch does.
     */
    public void copyInto(NDArray target, NDArray source, boolean nonBlocking) {
        check(library.getFunction("aoti_torch_copy_").invokeInt(
                new Object[] {handle(target), handle(source), nonBlocking ? 1 : 0}), "aoti_torch_copy_");
    }

    /**
     * A page-locked (pinned) host copy of a CPU tensor ({@code aten::pin_memory(self, device=None)}), from which a
     * non-blocking {@link #copyInto(NDArray, NDArray, boolean)} to a CUDA tensor is a real asynchronous DMA. Needs a
     * CUDA build of libtorch (the CPU build has no pinned-memory allocator and fails with libtorch's message on
     * stderr); the result belongs to {@code x}'s manager.
     */
    public NDArray pinMemory(NDArray x) {
        long[] stack = {newHandle(x), 0L /* device: None, the current accelerator */};
        dispatch("aten::pin_memory", "", stack);
        return wrap(x, stack[0]);
    }

    /** Whether a CPU tensor's memory is pinned ({@code aten::is_pinned(self, device=None)}); false on a CPU build. */
    public boolean isPinned(NDArray x) {
        long[] stack = {newHandle(x), 0L};
        dispatch("aten::is_pinned", "", stack);
        return (stack[0] & 0xff) != 0; // a bool StableIValue: the value in the low byte
    }

    /**
     * Drops {@code target}'s memory ({@code aten::set_()}: an empty storage, shape [0]) while the Java object, and
     * every layer holding it, stays valid; {@link #setStorage} gives it memory again. Call it under no-grad.
     */
    public void releaseStorage(NDArray target) {
        long[] stack = {newHandle(target)};
        dispatch("aten::set_", "", stack);
        deleteHandle(stack[0]);
    }

    /**
     * A CPU tensor over memory the caller owns (no copy). The buffer must be direct and must outlive the tensor;
     * the tensor is attached to {@code manager}.
     */
    public NDArray fromBuffer(NDManager manager, Buffer directBuffer, long byteOffset, TorchDType dtype, long[] shape) {
        if (!directBuffer.isDirect()) {
            throw new IllegalArgumentException("fromBuffer needs a direct buffer (memory-mapped or allocateDirect)");
        }
        Pointer base = Native.getDirectBufferPointer(directBuffer);
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= shape[i];
        }
        long[] out = new long[1];
        // sizes/strides passed as arrays; an empty shape (scalar) still needs a valid pointer
        long[] sizesArg = shape.length == 0 ? new long[1] : shape;
        long[] stridesArg = shape.length == 0 ? new long[1] : strides;
        check(fromBlob.invokeInt(new Object[] {
            Pointer.nativeValue(base) + byteOffset, (long) shape.length, sizesArg, stridesArg, 0L,
            dtypeCode(dtype), deviceCpu, 0, out}), "aoti_torch_create_tensor_from_blob");
        return new PtNDArray((PtNDManager) manager, out[0]);
    }

    /** Differentiable cast ({@code aten::to.dtype}); {@code NDArray.toType} would cut the autograd graph. */
    public NDArray cast(NDArray x, TorchDType dtype) {
        return cast(x, dtype, x.getManager());
    }

    /**
     * Differentiable cast whose result belongs to {@code owner}: casting a long-lived weight for one step must not
     * leave the copy on the weights' manager (it would pile up every step).
     */
    public NDArray cast(NDArray x, TorchDType dtype, NDManager owner) {
        // to.dtype(Tensor self, ScalarType dtype, bool non_blocking=False, bool copy=False, MemoryFormat? memory_format=None)
        long[] stack = {newHandle(x), dtypeCode(dtype), 0L, 0L, 0L};
        dispatch("aten::to", "dtype", stack);
        return new PtNDArray((PtNDManager) owner, stack[0]);
    }

    /**
     * {@code aten::scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0, is_causal, scale=None, enable_gqa)}
     * with autograd. q: [B, Hq, T, D], k/v: [B, Hkv, T, D]; with {@code enableGqa} Hq may be a multiple of Hkv.
     */
    public NDArray scaledDotProductAttention(NDArray q, NDArray k, NDArray v, boolean causal, boolean enableGqa) {
        return scaledDotProductAttention(q, k, v, null, causal, enableGqa);
    }

    /**
     * The same with an attention mask: {@code mask} is bool [B or 1, 1, T, T] (true = may attend) or null. torch
     * refuses a mask together with {@code causal}: put the causal part into the mask.
     */
    public NDArray scaledDotProductAttention(NDArray q, NDArray k, NDArray v, NDArray mask, boolean causal,
            boolean enableGqa) {
        long[] stack = {
            newHandle(q), newHandle(k), newHandle(v), mask == null ? 0L : boxOptional(newHandle(mask)),
            Double.doubleToRawLongBits(0.0), causal ? 1L : 0L, 0L /* scale None */, enableGqa ? 1L : 0L};
        dispatch("aten::scaled_dot_product_attention", "", stack);
        return wrap(q, stack[0]);
    }

    /**
     * A present optional argument for the dispatcher stack. libtorch 2.7.1's {@code aoti_torch_call_dispatcher}
     * takes an optional as 0 (None) or as a POINTER to a heap {@code StableIValue} holding the value, which its
     * {@code to_ivalue} reads and then frees with C++ {@code delete} (torch/csrc/stable/library.h and shim_common.cpp,
     * "[Handling std::optional]"). So the box must come from C++ {@code operator new}, not malloc.
     */
    private long boxOptional(long value) {
        long box = Pointer.nativeValue((Pointer) operatorNew.invoke(Pointer.class, new Object[] {8L}));
        new Pointer(box).setLong(0, value);
        return box;
    }

    /**
     * {@code out += a @ b} in place, in one matmul ({@code addmm_out} with out = self, beta = alpha = 1): how a
     * hand-written backward accumulates a weight's gradient straight into its {@code .grad}, with no temporary and no
     * separate add. No autograd: call it under no-grad. a: [M, K] (a transposed view is fine), b: [K, N], out: [M, N].
     */
    public void addMatMulInto(NDArray out, NDArray a, NDArray b) {
        check(library.getFunction("aoti_torch_addmm_out").invokeInt(
                new Object[] {handle(out), handle(out), handle(a), handle(b), 1.0f, 1.0f}), "aoti_torch_addmm_out");
    }

    /**
     * {@code out = a @ b} into an existing tensor ({@code addmm_out} with beta = 0: out's old values, NaN included,
     * are not read), so repeated matmuls of one shape reuse one buffer instead of allocating (and, for a buffer of
     * tens of MB from a JVM thread, faulting in) a fresh result each time. No autograd. Shapes as
     * {@link #addMatMulInto}.
     */
    public void matMulInto(NDArray out, NDArray a, NDArray b) {
        check(library.getFunction("aoti_torch_addmm_out").invokeInt(
                new Object[] {handle(out), handle(out), handle(a), handle(b), 0.0f, 1.0f}), "aoti_torch_addmm_out");
    }

    /**
     * {@code aten::scatter_add_(self, dim, index, src)} in place: along dim 1, {@code self[i][index[i][j]] += src[i][j]};
     * along dim 0, {@code self[index[i][j]][j] += src[i][j]} (repeated indices add up). No autograd: call it under
     * no-grad. index: int64 of src's shape (an expanded view is fine).
     */
    public void scatterAdd(NDArray self, int dim, NDArray index, NDArray src) {
        long[] stack = {newHandle(self), dim, newHandle(index), newHandle(src)};
        dispatch("aten::scatter_add_", "", stack);
        deleteHandle(stack[0]); // the returned alias of self
    }

    /**
     * {@code aten::zeros_like}: zeros of x's shape, dtype and device. DJL's {@code zerosLike} passes x's dtype through
     * its own DataType, which aborts the JVM for bf16.
     */
    public NDArray zerosLike(NDArray x) {
        long[] stack = {newHandle(x), 0L, 0L, 0L, 0L, 0L}; // dtype, layout, device, pin_memory, memory_format: None
        dispatch("aten::zeros_like", "", stack);
        return wrap(x, stack[0]);
    }

    /** {@code aten::rsqrt}, with autograd: 1 / sqrt(x) in one op (DJL has none). */
    public NDArray rsqrt(NDArray x) {
        long[] stack = {newHandle(x)};
        dispatch("aten::rsqrt", "", stack);
        return wrap(x, stack[0]);
    }

    /** {@code aten::silu} (one fused op instead of x * sigmoid(x)). */
    public NDArray silu(NDArray x) {
        long[] stack = {newHandle(x)};
        dispatch("aten::silu", "", stack);
        return wrap(x, stack[0]);
    }

    /**
     * {@code aten::_softmax.out(x, dim, false, out=x)}: the softmax along {@code dim} written over x itself (the CPU
     * kernel reads each row's max before it writes the row). No autograd: call it under no-grad.
     */
    public void softmaxInPlace(NDArray x, int dim) {
        long[] stack = {newHandle(x), dim, 0L, newHandle(x)};
        dispatch("aten::_softmax", "out", stack);
        deleteHandle(stack[0]); // the returned alias of x
    }

    /**
     * {@code aten::dot} of two 1-D tensors (BLAS {@code sdot} on the CPU, many partial sums): a fp32 0-d tensor. As
     * {@code dot(x, x)} the sum of squares in half the time of {@code aten::linalg_vector_norm}'s CPU kernel (one
     * 8-lane accumulator, one thread).
     */
    public NDArray dot(NDArray x, NDArray y) {
        long[] stack = {newHandle(x), newHandle(y)};
        dispatch("aten::dot", "", stack);
        return wrap(x, stack[0]);
    }

    /**
     * {@code aten::bucketize(x, boundaries, out_int32=true, right=false)}: for each element the index i with
     * {@code boundaries[i-1] < x <= boundaries[i]} (the number of boundaries strictly below x), as int32.
     */
    public NDArray bucketize(NDArray x, NDArray sortedBoundaries) {
        long[] stack = {newHandle(x), newHandle(sortedBoundaries), 1L, 0L};
        dispatch("aten::bucketize", "Tensor", stack);
        return wrap(x, stack[0]);
    }

    private void dispatch(String op, String overload, long[] stack) {
        check(callDispatcher.invokeInt(new Object[] {op, overload, stack}), op + "." + overload);
    }

    /** Dispatcher stacks consume tensor handles: pass a fresh handle to the same tensor. */
    private long newHandle(NDArray array) {
        long[] out = new long[1];
        check(newTensorHandle.invokeInt(new Object[] {handle(array), out}), "aoti_torch_new_tensor_handle");
        return out[0];
    }

    /** Deletes a handle this class created and did not hand to DJL. */
    void deleteHandle(long handle) {
        check(deleteTensor.invokeInt(new Object[] {handle}), "aoti_torch_delete_tensor_object");
    }

    /** Results belong to the manager of the first operand (DJL's convention), so activations stay in the step scope. */
    private static NDArray wrap(NDArray firstOperand, long handle) {
        return new PtNDArray((PtNDManager) firstOperand.getManager(), handle);
    }

    private static long handle(NDArray array) {
        if (!(array instanceof PtNDArray)) {
            throw new IllegalArgumentException("expected a PyTorch engine array, got " + array.getClass().getName());
        }
        return ((PtNDArray) array).getHandle();
    }

    private static void check(int error, String what) {
        if (error != 0) {
            throw new IllegalStateException("libtorch C shim call " + what + " failed (error " + error
                    + "); libtorch printed the reason on stderr");
        }
    }

    int deviceCpu() {
        return deviceCpu;
    }

    int deviceCuda() {
        return deviceCuda;
    }
}
