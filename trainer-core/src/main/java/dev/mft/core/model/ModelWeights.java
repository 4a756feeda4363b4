package dev.mft.core.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.optim.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The model's tensors by HF name, owned by one manager that lives as long as the model (the parameters' scope: no
 * activation may ever land here).
 */
public final class ModelWeights implements AutoCloseable {
    private final ModelConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> tensors;

    public ModelWeights(ModelConfig config, NDManager manager, Map<String, NDArray> tensors) {
        this.config = config;
        this.manager = manager;
        this.tensors = tensors;
    }

    /**
     * HF-style random init from a seed, independent of libtorch's generator: linear and embedding weights
     * ~ N(0, initializerRange), biases 0, norm weights 1.
     */
    public static ModelWeights random(ModelConfig config, long seed, double initializerRange, NDManager parent,
            Device device) {
        NDManager m = parent.newSubManager(device);
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : TensorLayout.expected(config).entrySet()) {
            long[] shape = e.getValue();
            long n = new Shape(shape).size();
            float[] values = new float[Math.toIntExact(n)];
            String name = e.getKey();
            if (name.endsWith("norm.weight")) {
                java.util.Arrays.fill(values, 1f);
            } else if (!name.endsWith(".bias")) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (rng.nextGaussian() * initializerRange);
                }
            }
            NDArray a = m.create(values, new Shape(shape));
            out.put(name, device.equals(a.getDevice()) ? a : a.toDevice(device, false));
        }
        return new ModelWeights(config, m, out);
    }

    public ModelConfig config() {
        return config;
    }

    public NDManager manager() {
        return manager;
    }

    /** Name -> tensor in layout order. */
    public Map<String, NDArray> tensors() {
        return tensors;
    }

    /** Marks every tensor trainable and lists them with their weight-decay flag (full fine-tuning). */
    public List<Parameter> trainAll() {
        List<Parameter> out = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            e.getValue().setRequiresGradient(true);
            out.add(new Parameter(e.getKey(), e.getValue(),
                    TensorLayout.decays(e.getKey(), e.getValue().getShape().getShape())));
        }
        return out;
    }

    /** Total number of scalars. */
    public long parameterCount() {
        long n = 0;
        for (NDArray a : tensors.values()) {
            n += a.size();
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
