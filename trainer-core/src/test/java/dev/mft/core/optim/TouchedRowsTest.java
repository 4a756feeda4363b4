package dev.mft.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.mft.core.tensor.Autograd;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.tensor.TorchShim;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * AdamW and the gradient norm reading only the rows of an embedding-like gradient that a step touched, against the
 * dense pass over every row: the same bits for AdamW (zero-gradient rows still decay their moments and move their
 * weights), the same norm; and the record dropped whenever the gradient is written behind its back.
 */
class TouchedRowsTest {
    private static final int ROWS = 300;
    private static final int COLS = 20;

    /** Adds {@code values} ([ids.length, COLS]) into the gradient's rows {@code ids}, as the embedding's backward does. */
    private static void addRows(NDManager m, NDArray grad, long[] ids, float[] values) {
        try (NDManager s = m.newSubManager(); Autograd.NoGrad noGrad = Autograd.noGrad()) {
            NDArray index = s.create(ids).reshape(ids.length, 1).broadcast(ids.length, COLS);
            TorchShim.get().scatterAdd(grad, 0, index, s.create(values, new Shape(ids.length, COLS)));
        }
    }

    /** Makes the .grad exist (zeros) through autograd, as the first backward does. */
    private static void createGradient(NDManager m, NDArray w) {
        JniUtils.setGradMode(true);
        try (NDManager s = m.newSubManager()) {
            NDArray loss = w.mul(s.zeros(w.getShape())).sum();
            JniUtils.backward((PtNDArray) loss, (PtNDArray) s.ones(new Shape(), DataType.FLOAT32), false, false);
        }
    }

    private static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextGaussian() * scale);
        }
        return out;
    }

    /** Row ids of one step: the first and last row, a run of consecutive rows, repeats, and random ones. */
    private static long[] stepIds(SplittableRandom r, int step) {
        long[] ids = new long[24];
        ids[0] = 0;
        ids[1] = ROWS - 1;
        for (int i = 2; i < 8; i++) {
            ids[i] = 40 + step * 3 + i; // consecutive
        }
        ids[8] = ids[9] = 150 + step; // repeated: added twice
        for (int i = 10; i < ids.length; i++) {
            ids[i] = r.nextInt(ROWS);
        }
        return ids;
    }

    @Test
    void adamWOverTheTouchedRowsGivesTheDensePassesBits() {
        TorchRuntime.start();
        SplittableRandom init = new SplittableRandom(3);
        float[] start = gaussian(init, ROWS * COLS, 0.5);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray sparseW = m.create(start, new Shape(ROWS, COLS));
            NDArray denseW = m.create(start, new Shape(ROWS, COLS));
            sparseW.setRequiresGradient(true);
            denseW.setRequiresGradient(true);
            AdamW.Settings settings = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1);
            AdamW sparse = new AdamW(List.of(new Parameter("embed", sparseW, true)), settings, m);
            AdamW dense = new AdamW(List.of(new Parameter("embed", denseW, true)), settings, m);
            TouchedRows rows = new TouchedRows();
            sparse.trackTouchedRows(sparseW, rows);
            createGradient(m, sparseW);
            createGradient(m, denseW);
            SplittableRandom r = new SplittableRandom(4);
            int sparseSteps = 0;
            for (int step = 0; step < 5; step++) {
                try (NDManager scratch = m.newSubManager()) {
                    NDArray sg = Autograd.gradient(sparseW, scratch), dg = Autograd.gradient(denseW, scratch);
                    TreeSet<Long> expected = new TreeSet<>();
                    for (int micro = 0; micro < 2; micro++) { // two micro-batches add into the same gradient
                        long[] ids = stepIds(r, step * 2 + micro);
                        float[] values = gaussian(r, ids.length * COLS, 0.1 * (step + 1));
                        rows.beforeAdd(sg);
                        addRows(m, sg, ids, values);
                        rows.added(sg, ids);
                        addRows(m, dg, ids, values);
                        for (long id : ids) {
                            expected.add(id);
                        }
                    }
                    int[] recorded = rows.rowsOf(sg);
                    if (recorded != null) { // every step after the first (whose dense pass zeroes all rows)
                        sparseSteps++;
                        assertArrayEquals(expected.stream().mapToInt(Long::intValue).toArray(), recorded);
                        assertEquals(GradientClipper.norm(List.of(new Parameter("embed", denseW, true)), scratch),
                                GradientClipper.norm(List.of(new Parameter("embed", sparseW, true)),
                                        sparse::touchedRows, scratch),
                                1e-6 * GradientClipper.norm(List.of(new Parameter("embed", denseW, true)), scratch),
                                "norm over the touched rows, step " + step);
                    }
                    double clip = 0.5 + 0.1 * step;
                    sparse.stepAndZeroGrad(1e-2, clip, scratch);
                    dense.stepAndZeroGrad(1e-2, clip, scratch);
                    assertArrayEquals(denseW.toFloatArray(), sparseW.toFloatArray(), 0f, "weights, step " + step);
                    assertArrayEquals(dense.firstMoment(0).toFloatArray(), sparse.firstMoment(0).toFloatArray(), 0f,
                            "exp_avg, step " + step);
                    assertArrayEquals(dense.secondMoment(0).toFloatArray(), sparse.secondMoment(0).toFloatArray(),
                            0f, "exp_avg_sq, step " + step);
                    assertEquals(0f, sg.abs().max().getFloat(), "the touched rows were cleared, step " + step);
                    assertArrayEquals(new int[0], rows.rowsOf(sg), "after the step no row is touched");
                }
            }
            assertEquals(4, sparseSteps, "every step after the first read only the touched rows");
            sparse.close();
            dense.close();
        }
    }

    @Test
    void theRecordIsDroppedWhenTheGradientIsWrittenBehindItsBack() {
        TorchRuntime.start();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.zeros(new Shape(ROWS, COLS));
            w.setRequiresGradient(true);
            TouchedRows rows = new TouchedRows();
            createGradient(m, w);
            try (NDManager scratch = m.newSubManager()) {
                NDArray g = Autograd.gradient(w, scratch);
                assertNull(rows.rowsOf(g), "no record before the first zeroing");
                rows.beforeAdd(g);
                addRows(m, g, new long[] {3}, new float[COLS]);
                rows.added(g, new long[] {3});
                assertNull(rows.rowsOf(g), "adding does not make a record that was never made");

                rows.zeroed(g);
                rows.beforeAdd(g);
                addRows(m, g, new long[] {5, 7}, new float[2 * COLS]);
                rows.added(g, new long[] {5, 7});
                assertArrayEquals(new int[] {5, 7}, rows.rowsOf(Autograd.gradient(w, scratch)),
                        "another handle of the same .grad sees the record");

                g.muli(2); // an in-place op nobody reported (fp16 unscaling, say)
                assertNull(rows.rowsOf(g), "an unreported in-place op drops the record");
                rows.beforeAdd(g);
                rows.added(g, new long[] {9});
                assertNull(rows.rowsOf(g), "and it stays dropped until the next zeroing");

                rows.zeroed(g);
                NDArray other = m.zeros(new Shape(ROWS, COLS));
                assertNull(rows.rowsOf(other), "another tensor is not the recorded gradient");
                assertNotNull(rows.rowsOf(g));
                createGradient(m, w); // autograd accumulates into the .grad: its version moves
                assertNull(rows.rowsOf(g), "autograd's accumulation drops the record");
                assertTrue(TorchShim.get().version(g) > 0);
            }
        }
    }
}
