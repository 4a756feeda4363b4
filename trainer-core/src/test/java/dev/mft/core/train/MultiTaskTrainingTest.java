package dev.mft.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.loss.LossWeighting;
import dev.mft.core.loss.SelfPacedWeighting;
import dev.mft.core.loss.TaskWeighting;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelConfig;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.model.TinyModels;
import dev.mft.core.optim.AdamW;
import dev.mft.core.optim.LrSchedule;
import dev.mft.core.tensor.TorchRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The loop with two tasks: per-task losses and evaluations are logged and the step loss follows the weighting. */
class MultiTaskTrainingTest {

    private static final ModelConfig CONFIG = TinyModels.llama(30, 16, 1, 2, 1, 24);
    private static final List<String> TASKS = List.of("code", "chat");

    /** Rows alternate tasks 0 and 1; task 1 counts upwards, task 0 downwards. */
    private static TokenBatch batch(SplittableRandom rng) {
        int rows = 4;
        int cols = 8;
        int[] ids = new int[rows * cols];
        int[] labels = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            int start = rng.nextInt(30);
            for (int t = 0; t < cols; t++) {
                ids[r * cols + t] = Math.floorMod(start + (r % 2 == 0 ? -t : t), 30);
                labels[r * cols + t] = t < 2 ? TokenBatch.IGNORE : ids[r * cols + t];
            }
        }
        TokenBatch plain = TokenBatch.unpadded(rows, cols, ids, labels);
        return new TokenBatch(rows, cols, ids, labels, plain.positionIds(), rows * cols, plain.sampleIds(),
                new int[] {0, 1, 0, 1});
    }

    private record Run(List<StepMetrics> steps, List<EvalMetrics> evals) {}

    private static Run train(LossWeighting weighting, int steps) {
        TorchRuntime.start();
        SplittableRandom rng = new SplittableRandom(2);
        List<TokenBatch> train = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            train.add(batch(rng));
        }
        List<TokenBatch> valid = List.of(batch(rng), batch(rng));
        List<StepMetrics> logged = new ArrayList<>();
        List<EvalMetrics> evals = new ArrayList<>();
        MetricsSink sink = new MetricsSink() {
            @Override
            public void log(StepMetrics m) {
                logged.add(m);
            }

            @Override
            public void logEval(EvalMetrics m) {
                evals.add(m);
            }
        };
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            ModelWeights w = ModelWeights.random(CONFIG, 0, 0.2, root, Device.cpu());
            LlamaModel model = new LlamaModel(CONFIG, w.tensors(), new RotaryEmbedding(root, CONFIG),
                    LinearFactory.dense(), LlamaModel.Attention.SDPA);
            AdamW opt = new AdamW(w.trainAll(), new AdamW.Settings(0.9, 0.999, 1e-8, 0), root);
            new Trainer(model, opt, new LrSchedule(LrSchedule.Type.CONSTANT, 1e-2, 0, 0, steps),
                    new TrainerSettings(1, 0, 1, 1.0, 1), sink, root, Device.cpu(),
                    new MultiTask(TASKS, weighting, valid, 2)).train(new TrainingData() {
                        @Override
                        public int batchesPerEpoch() {
                            return train.size();
                        }

                        @Override
                        public List<TokenBatch> epoch(int epoch) {
                            return train;
                        }
                    });
        }
        return new Run(logged, evals);
    }

    @Test
    void case3StepLossIsTheWeightedMeanOfTheLoggedTaskLosses() {
        Run run = train(new TaskWeighting(TaskWeighting.Mode.CASE3, new double[] {1, 3}), 4);

        assertEquals(4, run.steps().size());
        for (StepMetrics m : run.steps()) {
            assertEquals(TASKS, List.copyOf(m.taskLosses().keySet()));
            double expected = (1 * m.taskLosses().get("code") + 3 * m.taskLosses().get("chat")) / 4;
            assertEquals(expected, m.loss(), 1e-5);
            assertEquals(List.of(1.0, 3.0), List.copyOf(m.taskWeights().values()));
        }
        assertEquals(List.of(2, 4), run.evals().stream().map(EvalMetrics::step).toList());
        EvalMetrics last = run.evals().get(1);
        assertEquals(TASKS, List.copyOf(last.taskLosses().keySet()));
        // both validation batches hold 2 rows x 6 trained tokens per task: the overall mean is the tasks' mean
        assertEquals((last.taskLosses().get("code") + last.taskLosses().get("chat")) / 2, last.loss(), 1e-5);
    }

    @Test
    void selfPacedMovesTheTaskWeightsOnceItsHistoryIsFull() {
        Run run = train(new SelfPacedWeighting(new double[] {1, 1}, 1, 2, 1, 1), 4);

        assertEquals(List.of(1.0, 1.0), List.copyOf(run.steps().get(0).taskWeights().values()));
        List<Double> later = List.copyOf(run.steps().get(3).taskWeights().values());
        assertNotEquals(List.of(1.0, 1.0), later);
        assertEquals(1.0, later.get(0) + later.get(1), 1e-9);
        assertTrue(later.stream().allMatch(x -> x > 0 && x < 1), later.toString());
    }
}
