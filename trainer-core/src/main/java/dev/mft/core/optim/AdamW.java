package dev.mft.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchShim;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Arrays;
import java.io.IOException;
import java.nio.file.Path;
import ai.djl.ndarray.types.DataType;
import dev.mft.core.safetensors.SafetensorsDType;
import dev.mft.core.safetensors.SafetensorsFile;
import dev.mft.core.safetensors.SafetensorsWriter;
import dev.mft.core.safetensors.TensorEntry;
import dev.mft.core.safetensors.TensorInfo;

/**
 * AdamW with decoupled weight decay, exactly torch.optim.AdamW's update (written from tensor ops: DJL's built-in
 * adamUpdate treats its bias-correction argument as the step size):
 * <pre>
 *   p  = p * (1 - lr * wd)                      (decay parameters only)
 *   m  = b1 * m + (1 - b1) * g
 *   v  = b2 * v + (1 - b2) * g^2
 *   p  = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Parameters are fp32 here, so they are their own master weights; moments are fp32 and live with the parameter.
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters (the learning rate comes per step from the schedule). */
    public record Settings(double beta1, double beta2, double eps, double weightDecay) {
        public Settings {
            if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
                throw new IllegalArgumentException("adam betas must be in [0, 1); got " + beta1 + ", " + beta2);
            }
            if (!(eps > 0) || weightDecay < 0) {
                throw new IllegalArgumentException("need adam_epsilon > 0 and weight_decay >= 0; got " + eps + ", "
                        + weightDecay);
            }
        }
    }

    /**
     * Where the update finds each parameter's gradient: its own {@code .grad} ({@link #AUTOGRAD}), or, when the
     * parameters are this rank's slices of flat ZeRO buffers, the matching slice of the reduced gradient shard.
     */
    @FunctionalInterface
    public interface GradientSource {
        /** The parameter's autograd gradient, owned by {@code scratch}. */
        GradientSource AUTOGRAD = (p, scratch) -> Autograd.gradient(p.array(), scratch);

        /** The gradient for {@code p} (same shape), or null when it has none this step. */
        NDArray gradient(Parameter p, NDManager scratch);
    }

    private final Settings settings;
    private final GradientSource gradients;
    private final List<Parameter> params;
    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final NDManager stateManager;
    private long step;
    /** Tests turn the fused host kernel off to check it against the composed update (the GPU path). */
    boolean hostKernelEnabled = true;
    private boolean flatAllowed;
    private FlatParameters flat; // built by the first update that takes the flat path
    /** Parameters whose gradient touches few rows, with the record of which (see {@link #trackTouchedRows}). */
    private final Map<NDArray, TouchedRows> touched = new IdentityHashMap<>();
    /** The host kernel's views of p, g, m, v of each parameter (slots 4i .. 4i+3), kept across steps. */
    private final HostViews hostViews;

    public AdamW(List<Parameter> params, Settings settings, NDManager parent) {
        this(params, settings, parent, GradientSource.AUTOGRAD);
    }

    /** AdamW whose gradients come from {@code gradients} (e.g. shards of a flat buffer under ZeRO). */
    public AdamW(List<Parameter> params, Settings settings, NDManager parent, GradientSource gradients) {
        this.settings = settings;
        this.gradients = gradients;
        this.params = List.copyOf(params);
        this.stateManager = parent.newSubManager();
        this.hostViews = new HostViews(4 * this.params.size());
        for (Parameter p : this.params) {
            m.add(stateManager.zeros(p.array().getShape(), p.array().getDataType(), p.array().getDevice()));
            v.add(stateManager.zeros(p.array().getShape(), p.array().getDataType(), p.array().getDevice()));
        }
    }

    /**
     * Lets the composed update (GPU, or wherever the host kernel does not apply) move the parameters and moments into
     * flat buffers at its first step ({@link FlatParameters}): a dozen ops per step instead of a dozen per parameter.
     * Only for an owner that does not itself point the parameters at other memory (one device; not DDP's buckets).
     */
    public void useFlatBuffers() {
        flatAllowed = true;
    }

    /**
     * Lets the host update read and clear only the gradient rows of {@code parameter} (one of this optimizer's, 2-D)
     * that {@code rows} lists, running the zero-gradient update over the others: the same result with a fraction of
     * the embedding table's gradient traffic. Only for an owner under which nothing writes the gradients through raw
     * memory behind libtorch's back (one device; not a collective over buckets), since {@link TouchedRows} cannot see
     * such writes.
     */
    public void trackTouchedRows(NDArray parameter, TouchedRows rows) {
        if (params.stream().noneMatch(p -> p.array() == parameter)) {
            throw new IllegalArgumentException("not a parameter of this optimizer: " + parameter.getShape());
        }
        if (parameter.getShape().dimension() != 2) {
            throw new IllegalArgumentException("touched rows need a 2-D parameter, got " + parameter.getShape());
        }
        touched.put(parameter, rows);
    }

    /** The record of touched rows for {@code p}, or null when its gradient is read whole. */
    public TouchedRows touchedRows(Parameter p) {
        return touched.get(p.array());
    }

    /** Optimizer steps taken so far (t in the bias corrections). */
    public long steps() {
        return step;
    }

    public List<Parameter> parameters() {
        return params;
    }

    /** exp_avg of parameter {@code i} (live state: checkpoint code reads and restores it in place). */
    public NDArray firstMoment(int i) {
        return m.get(i);
    }

    /** exp_avg_sq of parameter {@code i} (live state). */
    public NDArray secondMoment(int i) {
        return v.get(i);
    }

    /** Sets the step count t of the bias corrections (when the moments were restored from elsewhere). */
    public void restoreSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("optimizer steps must be >= 0, got " + steps);
        }
        step = steps;
    }

    /**
     * Writes the moments and the step count to a safetensors file: tensors {@code <param>.exp_avg} and
     * {@code <param>.exp_avg_sq} (torch's state_dict names), fp32, metadata {@code step}.
     */
    public void save(Path file) throws IOException {
        List<TensorEntry> entries = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i).name();
            entries.add(entry(name + ".exp_avg", m.get(i)));
            entries.add(entry(name + ".exp_avg_sq", v.get(i)));
        }
        SafetensorsWriter.write(file, entries, Map.of("step", Long.toString(step), "format", "mft-adamw"));
    }

    private static TensorEntry entry(String name, NDArray a) {
        return TensorEntry.of(name, SafetensorsDType.F32, a.getShape().getShape(), a.toByteBuffer());
    }

    /** Restores what {@link #save} wrote; names and shapes must match this optimizer's parameters. */
    public void load(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String stepText = f.metadata().get("step");
            if (stepText == null) {
                throw new IOException(file + ": no 'step' in the metadata; not an mft optimizer state");
            }
            for (int i = 0; i < params.size(); i++) {
                String name = params.get(i).name();
                restore(m.get(i), f, name + ".exp_avg", file);
                restore(v.get(i), f, name + ".exp_avg_sq", file);
            }
            step = Long.parseLong(stepText);
        }
    }

    /** Copies the stored tensor {@code name} into {@code target} in place (it may be a view of a flat buffer). */
    private void restore(NDArray target, SafetensorsFile f, String name, Path file) throws IOException {
        if (!f.contains(name)) {
            throw new IOException(file + ": optimizer state lacks '" + name + "' (was it saved for another model or"
                    + " other trainable parameters?)");
        }
        TensorInfo info = f.info(name);
        if (info.dtype() != SafetensorsDType.F32 || !Arrays.equals(info.shape(), target.getShape().getShape())) {
            throw new IOException(file + ": '" + name + "' is " + info.dtype() + Arrays.toString(info.shape())
                    + ", expected F32" + Arrays.toString(target.getShape().getShape()));
        }
        try (NDManager scratch = stateManager.newSubManager()) {
            // the source may alias the read-only mapped file: its values are copied into the live state
            NDArray stored = scratch.create(f.data(name), target.getShape(), DataType.FLOAT32);
            TorchShim.get().copyInto(target, stored);
        }
    }

    /**
     * Applies one update with the gradients currently held by the parameters. Temporaries live on {@code scratch},
     * which the caller closes after the step.
     */
    public void step(double lr, NDManager scratch) {
        step(lr, 1.0, scratch);
    }

    /**
     * One update with every gradient multiplied by {@code gradScale} first (the global-norm clip factor, so clipping
     * costs no pass of its own). On the CPU, with fp32 tensors, one fused pass over all parameters
     * ({@link HostAdamWKernel}); elsewhere (GPU, other dtypes) the same formula composed from tensor ops.
     */
    public void step(double lr, double gradScale, NDManager scratch) {
        step(lr, gradScale, false, scratch);
    }

    /**
     * {@link #step(double, double, NDManager)}, then every gradient zeroed as {@link #zeroGrad} would: inside the
     * update's own pass where the fused host kernel runs (the gradient is in cache there, so this saves a pass over
     * all gradients), after it elsewhere.
     */
    public void stepAndZeroGrad(double lr, double gradScale, NDManager scratch) {
        step(lr, gradScale, true, scratch);
    }

    private void step(double lr, double gradScale, boolean zeroGradients, NDManager scratch) {
        step++;
        double b1 = settings.beta1(), b2 = settings.beta2();
        double bc1 = 1 - Math.pow(b1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, step));
        double stepSize = lr / bc1;
        try (Autograd.NoGrad noGrad = Autograd.noGrad()) {
            if (hostKernelEnabled && hostStep(lr, gradScale, stepSize, bc2Sqrt, zeroGradients, scratch)) {
                return;
            }
            composedStep(lr, gradScale, stepSize, bc2Sqrt, scratch);
        }
        if (zeroGradients) {
            zeroGrad();
        }
    }

    /** The update composed from tensor ops: over flat buffers where allowed, else parameter by parameter. */
    private void composedStep(double lr, double gradScale, double stepSize, double bc2Sqrt, NDManager scratch) {
        double b1 = settings.beta1(), b2 = settings.beta2();
        if (flatAllowed && flatStep(lr, gradScale, stepSize, bc2Sqrt, scratch)) {
            return;
        }
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            NDArray g = gradients.gradient(p, scratch);
            if (g == null) {
                continue;
            }
            if (gradScale != 1.0) {
                g = tmp(scratch, g.mul(gradScale));
            }
            NDArray w = p.array();
            if (p.decay() && settings.weightDecay() > 0) {
                w.muli(1 - lr * settings.weightDecay());
            }
            NDArray mi = m.get(i), vi = v.get(i);
            mi.muli(b1).addi(tmp(scratch, g.mul(1 - b1)));
            vi.muli(b2).addi(tmp(scratch, g.square().muli(1 - b2)));
            NDArray denom = tmp(scratch, vi.sqrt()).divi(bc2Sqrt).addi(settings.eps());
            NDArray update = tmp(scratch, mi.div(denom)).muli(stepSize);
            w.subi(update);
        }
    }

    /** The composed update over flat buffers, when every parameter has a gradient this step; false otherwise. */
    private boolean flatStep(double lr, double gradScale, double stepSize, double bc2Sqrt, NDManager scratch) {
        if (gradients != GradientSource.AUTOGRAD) {
            return false;
        }
        List<NDArray> grads = new ArrayList<>(params.size());
        for (Parameter p : params) {
            NDArray g = gradients.gradient(p, scratch);
            if (g == null) {
                return false; // torch skips such a parameter entirely (no decay, no moment decay): per-parameter path
            }
            grads.add(g);
        }
        if (flat == null) {
            flat = FlatParameters.build(params, m, v, stateManager);
        }
        NDArray g = flat.concatGradients(grads, scratch);
        if (gradScale != 1.0) {
            g.muli(gradScale);
        }
        double decay = settings.weightDecay() > 0 ? 1 - lr * settings.weightDecay() : 1.0;
        flat.update(g, decay, settings.beta1(), settings.beta2(), settings.eps(), stepSize, bc2Sqrt, scratch);
        return true;
    }

    /**
     * The fused host update when every parameter, gradient and moment is a contiguous fp32 CPU tensor; false (nothing
     * changed) otherwise.
     */
    private boolean hostStep(double lr, double gradScale, double stepSize, double bc2Sqrt, boolean zeroGradients,
            NDManager scratch) {
        List<HostAdamWKernel.Segment> segments = new ArrayList<>(params.size());
        List<TouchedRows> zeroedRows = new ArrayList<>(touched.size());
        List<NDArray> zeroedGrads = new ArrayList<>(touched.size());
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            NDArray g = gradients.gradient(p, scratch);
            if (g == null) {
                continue;
            }
            ByteBuffer pf = hostViews.of(4 * i, p.array()), gf = hostViews.of(4 * i + 1, g);
            ByteBuffer mf = hostViews.of(4 * i + 2, m.get(i)), vf = hostViews.of(4 * i + 3, v.get(i));
            if (pf == null || gf == null || mf == null || vf == null) {
                return false; // not all host fp32 and contiguous: nothing was changed yet, the composed path runs
            }
            float decay = p.decay() ? (float) (1 - lr * settings.weightDecay()) : 1f;
            TouchedRows rows = touched.get(p.array());
            int[] nonzero = rows == null ? null : rows.rowsOf(g);
            if (nonzero == null) {
                segments.add(new HostAdamWKernel.Segment(pf, gf, mf, vf, decay));
            } else {
                addRowSpans(segments, pf, gf, mf, vf, decay, nonzero, (int) p.array().getShape().get(1));
            }
            if (rows != null) {
                zeroedRows.add(rows);
                zeroedGrads.add(g);
            }
        }
        HostAdamWKernel.shared().update(segments, new HostAdamWKernel.Scalars((float) settings.beta1(),
                (float) settings.beta2(), (float) settings.eps(), (float) stepSize, (float) bc2Sqrt, (float) gradScale),
                zeroGradients);
        if (zeroGradients) {
            for (int i = 0; i < zeroedRows.size(); i++) {
                zeroedRows.get(i).zeroed(zeroedGrads.get(i));
            }
        }
        return true;
    }

    /**
     * One parameter's update as spans of whole rows: runs of rows that may have a gradient as they are, the rows
     * between them with the gradient known to be zero (null: not read, not cleared).
     */
    private static void addRowSpans(List<HostAdamWKernel.Segment> out, ByteBuffer p, ByteBuffer g, ByteBuffer m,
            ByteBuffer v, float decay, int[] nonzeroRows, int cols) {
        int rowBytes = cols * Float.BYTES;
        int totalRows = p.capacity() / rowBytes;
        int row = 0;
        for (int i = 0; i < nonzeroRows.length; ) {
            int first = nonzeroRows[i];
            int end = first + 1; // a run of consecutive touched rows [first, end)
            while (++i < nonzeroRows.length && nonzeroRows[i] == end) {
                end++;
            }
            if (first > row) {
                out.add(span(p, null, m, v, decay, row * rowBytes, (first - row) * rowBytes));
            }
            out.add(span(p, g, m, v, decay, first * rowBytes, (end - first) * rowBytes));
            row = end;
        }
        if (row < totalRows) {
            out.add(span(p, null, m, v, decay, row * rowBytes, (totalRows - row) * rowBytes));
        }
    }

    private static HostAdamWKernel.Segment span(ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, float decay,
            int offset, int bytes) {
        return new HostAdamWKernel.Segment(slice(p, offset, bytes), g == null ? null : slice(g, offset, bytes),
                slice(m, offset, bytes), slice(v, offset, bytes), decay);
    }

    private static ByteBuffer slice(ByteBuffer b, int offset, int bytes) {
        return b.slice(offset, bytes).order(ByteOrder.nativeOrder());
    }

    /** Zeroes every parameter's gradient (not DJL's zeroGradients(), which walks the JVM and leaks handles). */
    public void zeroGrad() {
        for (Parameter p : params) {
            Autograd.zeroGrad(p.array());
        }
    }

    private static NDArray tmp(NDManager scratch, NDArray a) {
        a.attach(scratch);
        return a;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
