package dev.mft.peft.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.TensorLayout;
import dev.mft.core.model.WeightInterceptor;
import dev.mft.core.tensor.TorchDType;
import dev.mft.peft.FrozenLinears;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QLoRA's frozen base: every decoder-layer projection weight (q, k, v, o, gate, up, down) as NF4 with double-quantized
 * constants. Embeddings, norms, biases and the output head stay fp32 in {@link ModelWeights}. Quantizes while the
 * checkpoint loads (as a {@link WeightInterceptor}), so the fp32 copy of a weight lives only until it is quantized,
 * and builds the frozen layers over the codes ({@link #linears}).
 */
public final class Nf4Weights implements WeightInterceptor, AutoCloseable {
    private static final String WEIGHT = ".weight";

    private final NDManager manager;
    private final Nf4Codec codec;
    private final Map<String, Nf4Tensor> byModule = new LinkedHashMap<>();

    public Nf4Weights(NDManager parent, Device device) {
        this.manager = parent.newSubManager(device);
        this.codec = new Nf4Codec(manager, device);
    }

    /** Whether {@code name} is a projection weight that QLoRA stores as NF4. */
    public static boolean quantizes(String name) {
        if (!name.startsWith("model.layers.") || !name.endsWith(WEIGHT)) {
            return false;
        }
        String module = name.substring(0, name.length() - WEIGHT.length());
        return TensorLayout.LAYER_LINEARS.stream().anyMatch(s -> module.endsWith("." + s));
    }

    @Override
    public boolean take(String name, NDArray fp32) {
        if (!quantizes(name)) {
            return false;
        }
        byModule.put(name.substring(0, name.length() - WEIGHT.length()), codec.quantize(fp32, manager));
        return true;
    }

    /** Quantizes the projection weights of already loaded weights, removing (and freeing) their fp32 copies. */
    public void takeFrom(ModelWeights weights) {
        List<String> names = new ArrayList<>(weights.tensors().keySet());
        for (String name : names) {
            NDArray fp32 = weights.tensors().get(name);
            if (take(name, fp32)) {
                weights.tensors().remove(name);
                fp32.close();
            }
        }
    }

    /** Frozen layers over the NF4 weights, computing in fp32. */
    public FrozenLinears linears() {
        return linears(TorchDType.FLOAT32);
    }

    /** Frozen layers over the NF4 weights, dequantized per forward and computing in {@code compute}. */
    public FrozenLinears linears(TorchDType compute) {
        return (module, weight, bias) -> {
            Nf4Tensor t = byModule.get(module);
            if (t == null) {
                throw new IllegalStateException("no NF4 weight for " + module + " (QLoRA quantizes every decoder-layer"
                        + " projection at load; was the model loaded through this Nf4Weights?)");
            }
            return new Nf4Linear(codec, t, bias, compute);
        };
    }

    /** The fp32 weight of a module as training sees it (dequantized), on {@code scratch}. */
    public NDArray dequantized(String module, NDManager scratch) {
        return codec.dequantize(byModule.get(module), scratch);
    }

    /** The quantized weights by module name, in load order. */
    public Map<String, Nf4Tensor> tensors() {
        return Collections.unmodifiableMap(byModule);
    }

    /** Weights held in NF4. */
    public long parameterCount() {
        return byModule.values().stream().mapToLong(Nf4Tensor::size).sum();
    }

    /** Bytes held by the NF4 weights (codes and double-quantized constants; the shared lookup tables excluded). */
    public long bytes() {
        return byModule.values().stream().mapToLong(Nf4Tensor::bytes).sum();
    }

    @Override
    public void close() {
        manager.close();
    }
}
