package dev.mft.core.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Autograd through DJL's JNI directly, avoiding what ENGINE-FACTS.md measured as broken: {@code GradientCollector} is
 * a JVM-wide singleton and its {@code zeroGradients()} walks every array and leaks handles; grad mode is
 * THREAD-LOCAL in libtorch and DJL starts with it off; {@code getGradient()} lands on the parameter's manager.
 */
public final class Autograd {
    private Autograd() {}

    /** Turns grad mode on for the calling thread (each thread that computes a graph must call it). */
    public static void enableForThisThread() {
        JniUtils.setGradMode(true);
    }

    /** Whether the calling thread records a graph (training) or not (evaluation, optimizer updates). */
    public static boolean isRecording() {
        return JniUtils.isGradMode();
    }

    /** Grad mode off until closed, then back to what it was (optimizer updates, evaluation). */
    public static NoGrad noGrad() {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(before);
    }

    /** Scope of {@link #noGrad()}. */
    public interface NoGrad extends AutoCloseable {
        @Override
        void close();
    }

    /** The upstream gradient 1 of a scalar loss, per device and dtype: made once, never written (backward reads it). */
    private static final Map<String, NDArray> ONES = new ConcurrentHashMap<>();

    /** Owner of those constants for the life of the JVM, made on first use (after the engine has started). */
    private static final class Constants {
        static final NDManager MANAGER = NDManager.newBaseManager();
    }

    /** Backpropagates a scalar; gradients accumulate into the leaves' {@code .grad} until zeroed. */
    public static void backward(NDArray scalar) {
        NDArray one = ONES.computeIfAbsent(scalar.getDevice() + "/" + scalar.getDataType(),
                k -> Constants.MANAGER.ones(new Shape(), scalar.getDataType(), scalar.getDevice()));
        JniUtils.backward((PtNDArray) scalar, (PtNDArray) one, false, false);
    }

    /**
     * Backpropagates from a non-scalar output with an explicit upstream gradient of its shape: how a layer-by-layer
     * backward (activation checkpointing, ZeRO-2/3) continues from the gradient that reached the layer's output.
     */
    public static void backward(NDArray output, NDArray upstream) {
        JniUtils.backward((PtNDArray) output, (PtNDArray) upstream, false, false);
    }

    /**
     * The parameter's {@code .grad} itself, owned by {@code scratch} (never the parameter's long-lived manager): an
     * alias, so in-place ops on it change the gradient; or null while it has none (before the first backward that
     * reaches it). DJL's {@code getGradient()} hands out a fresh zero tensor, unconnected to the parameter, where
     * {@code .grad} does not exist; two calls that return the same memory tell the real one.
     */
    public static NDArray gradient(NDArray parameter, NDManager scratch) {
        NDArray first = parameter.getGradient();
        if (first == null) {
            return null;
        }
        first.attach(scratch);
        NDArray second = parameter.getGradient();
        TorchShim shim = TorchShim.get();
        boolean real = shim.dataPointer(first) == shim.dataPointer(second);
        second.close();
        if (!real) {
            first.close();
            return null;
        }
        return first;
    }

    /** Zeroes a parameter's gradient in place. */
    public static void zeroGrad(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }
}
