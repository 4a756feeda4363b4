package dev.mft.distributed.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mft.core.tensor.TorchDType;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.core.tensor.TorchShim;
import dev.mft.distributed.LocalGroup;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every collective of the TCP ring against the answer computed here from every rank's input, for world sizes 2-4 and
 * element counts that do not divide evenly; one size is above the ring's 1 MiB transfer piece, so pipelining is used.
 * Rank r's input element i is a small integer function of (r, i): every sum is exact, whatever the order of additions.
 */
class CollectivesTest {

    @BeforeAll
    static void engine() {
        TorchRuntime.start();
    }

    private static float value(int rank, long i) {
        return (float) ((rank + 1) * 3 + (i % 7) - 4); // small integers: exact in fp16 and bf16 too
    }

    private static float[] input(int rank, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = value(rank, i);
        }
        return v;
    }

    /** A tensor of dtype {@code t} holding {@code values} (bf16 made by a cast, which DJL cannot create). */
    static NDArray tensor(NDManager m, float[] values, TorchDType t) {
        NDArray f = m.create(values);
        return switch (t) {
            case FLOAT32 -> f;
            case FLOAT64 -> f.toType(DataType.FLOAT64, false);
            case FLOAT16 -> f.toType(DataType.FLOAT16, false);
            case BFLOAT16 -> TorchShim.get().cast(f, TorchDType.BFLOAT16);
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    static float[] floats(NDArray a) {
        return TorchShim.get().cast(a, TorchDType.FLOAT32).toFloatArray();
    }

    @ParameterizedTest(name = "world {0}, {1} elements, {2}, {3}")
    @CsvSource({"2, 1, FLOAT32, SUM", "2, 10, BFLOAT16, AVG", "3, 7, FLOAT32, SUM", "3, 1000, FLOAT16, SUM",
        "4, 13, FLOAT64, AVG", "4, 300001, FLOAT32, SUM", "3, 2, FLOAT32, AVG"})
    void allReduceGivesEveryRankTheReduction(int world, int n, TorchDType t, ReduceOp op) throws Exception {
        float[] expected = new float[n];
        for (int r = 0; r < world; r++) {
            for (int i = 0; i < n; i++) {
                expected[i] += value(r, i);
            }
        }
        if (op == ReduceOp.AVG) {
            for (int i = 0; i < n; i++) {
                expected[i] = roundTo(expected[i] / world, t);
            }
        }
        List<float[]> got = LocalGroup.run(world, (rank, c) -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray a = tensor(m, input(rank, n), t);
                c.allReduce(a, op);
                return floats(a);
            }
        });
        for (float[] g : got) {
            assertArrayEquals(expected, g);
        }
    }

    @ParameterizedTest(name = "world {0}, chunks of {1}, {2}, in place {3}")
    @CsvSource({"2, 5, FLOAT32, false", "3, 1, BFLOAT16, false", "3, 33, FLOAT32, true", "4, 70000, FLOAT32, true",
        "4, 9, FLOAT16, false"})
    void reduceScatterGivesRankRTheReductionOfChunkR(int world, int chunk, TorchDType t, boolean inPlace)
            throws Exception {
        int n = chunk * world;
        List<float[]> got = LocalGroup.run(world, (rank, c) -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray in = tensor(m, input(rank, n), t);
                NDArray out = inPlace ? in.get(rank * chunk + ":" + (rank + 1) * chunk)
                        : tensor(m, new float[chunk], t);
                c.reduceScatter(in, out, ReduceOp.SUM);
                return floats(out);
            }
        });
        for (int r = 0; r < world; r++) {
            float[] expected = new float[chunk];
            for (int q = 0; q < world; q++) {
                for (int i = 0; i < chunk; i++) {
                    expected[i] += value(q, (long) r * chunk + i);
                }
            }
            assertArrayEquals(expected, got.get(r), "rank " + r);
        }
    }

    @ParameterizedTest(name = "world {0}, chunks of {1}, {2}, in place {3}")
    @CsvSource({"2, 3, FLOAT32, false", "3, 11, BFLOAT16, true", "4, 1, FLOAT16, false", "3, 100003, FLOAT32, true"})
    void allGatherGivesEveryRankEveryChunk(int world, int chunk, TorchDType t, boolean inPlace) throws Exception {
        List<float[]> got = LocalGroup.run(world, (rank, c) -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray out = tensor(m, new float[chunk * world], t);
                NDArray in = inPlace ? out.get(rank * chunk + ":" + (rank + 1) * chunk) : tensor(m, new float[chunk], t);
                TorchShim.get().copyInto(in, tensor(m, input(rank, chunk), t));
                c.allGatherAsync(in, out).await();
                return floats(out);
            }
        });
        float[] expected = new float[chunk * world];
        for (int r = 0; r < world; r++) {
            System.arraycopy(input(r, chunk), 0, expected, r * chunk, chunk);
        }
        for (float[] g : got) {
            assertArrayEquals(expected, g);
        }
    }

    @ParameterizedTest(name = "world {0}, {1} elements from rank {2}")
    @CsvSource({"2, 4, 1", "3, 1, 0", "4, 400001, 2", "3, 17, 2"})
    void broadcastGivesEveryRankTheRootsValues(int world, int n, int root) throws Exception {
        List<float[]> got = LocalGroup.run(world, (rank, c) -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray a = m.create(input(rank, n));
                c.broadcast(a, root);
                c.barrier();
                return a.toFloatArray();
            }
        });
        for (float[] g : got) {
            assertArrayEquals(input(root, n), g);
        }
    }

    @ParameterizedTest(name = "world {0}")
    @CsvSource({"1", "2"})
    void aSingleRankOrASmallGroupKeepsShapesAndCounts(int world) throws Exception {
        List<Long> sizes = LocalGroup.run(world, (rank, c) -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray a = m.ones(new Shape(2, 3));
                c.allReduce(a, ReduceOp.SUM);
                assertEquals(world, a.getFloat(1, 2));
                return a.size();
            }
        });
        sizes.forEach(s -> assertEquals(6L, s));
    }

    private static float roundTo(float f, TorchDType t) {
        return switch (t) {
            case BFLOAT16 -> HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(f));
            case FLOAT16 -> HalfFloats.fp16ToFloat(HalfFloats.floatToFp16(f));
            default -> f;
        };
    }
}
