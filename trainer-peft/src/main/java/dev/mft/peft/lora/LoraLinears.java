package dev.mft.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LinearLayer;
import dev.mft.core.model.TensorLayout;
import dev.mft.core.optim.Parameter;
import dev.mft.core.tensor.TorchDType;
import dev.mft.peft.FrozenLinear;
import dev.mft.peft.FrozenLinears;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LoRA {@link LinearFactory}: every linear layer gets a frozen base ({@link FrozenLinears}: fp32 or NF4), and those
 * that {@link TargetModules} selects get an adapter on top. The adapters' A and B live on this object's manager and
 * are the only trainable parameters.
 */
public final class LoraLinears implements LinearFactory, AutoCloseable {
    private final LoraConfig config;
    private final FrozenLinears base;
    private final LoraInit init;
    private final TorchDType compute;
    private final NDManager manager;
    private final Map<String, LoraWeights> adapters = new LinkedHashMap<>();

    /** Adapters computing in fp32. */
    public LoraLinears(LoraConfig config, FrozenLinears base, LoraInit init, NDManager parent) {
        this(config, base, init, TorchDType.FLOAT32, parent);
    }

    /**
     * @param compute the dtype of the forward (mixed precision); A and B stay fp32 and are cast per use, and
     *     {@code base} must compute in the same dtype
     */
    public LoraLinears(LoraConfig config, FrozenLinears base, LoraInit init, TorchDType compute, NDManager parent) {
        this.config = config;
        this.base = base;
        this.init = init;
        this.compute = compute;
        this.manager = parent.newSubManager();
    }

    @Override
    public LinearLayer create(String module, NDArray weight, NDArray bias) {
        FrozenLinear frozen = base.create(module, weight, bias);
        if (!config.targets().matches(module)) {
            return frozen;
        }
        LoraWeights w = init.create(module, frozen.inFeatures(), frozen.outFeatures(), config.rank(), manager);
        w.a().setRequiresGradient(true);
        w.b().setRequiresGradient(true);
        adapters.put(module, w);
        return new LoraLinear(frozen, w, config.scaling(), config.dropout(), compute);
    }

    public LoraConfig config() {
        return config;
    }

    /** The adapters built so far, by module name in model order. */
    public Map<String, LoraWeights> adapters() {
        return Collections.unmodifiableMap(adapters);
    }

    /**
     * The trainable parameters (A and B of every adapter), named as in the PEFT file; call after the model is built.
     *
     * @throws IllegalStateException when no layer matched the target modules
     */
    public List<Parameter> parameters() {
        if (adapters.isEmpty()) {
            throw new IllegalStateException("target_modules " + config.targets() + " selects none of the model's"
                    + " linear layers (they are named like model.layers.0." + TensorLayout.LAYER_LINEARS.get(0)
                    + "; a list matches name suffixes, a string is a regex over the whole name)");
        }
        List<Parameter> out = new ArrayList<>();
        for (Map.Entry<String, LoraWeights> e : adapters.entrySet()) {
            out.add(new Parameter(e.getKey() + ".lora_A.weight", e.getValue().a(), true));
            out.add(new Parameter(e.getKey() + ".lora_B.weight", e.getValue().b(), true));
        }
        return out;
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        return adapters.values().stream().mapToLong(w -> w.a().size() + w.b().size()).sum();
    }

    @Override
    public void close() {
        manager.close();
    }
}
