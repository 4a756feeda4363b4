package dev.mft.cli.recipe;

import dev.mft.cli.config.LossConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.core.loss.CobaWeighting;
import dev.mft.core.loss.LossWeighting;
import dev.mft.core.loss.SelfPacedWeighting;
import dev.mft.core.loss.TaskWeighting;
import dev.mft.core.train.MultiTask;
import java.util.List;

/** The MFT part of the loop from the config: task names, the weighting of weighted_loss_mode, validation batches. */
final class MultiTaskSetup {
    private MultiTaskSetup() {}

    static MultiTask of(TrainConfig c, PreparedData data, int padId) {
        BatchedData valid = new BatchedData(data.valid(), padId, c.data().seqLength(), true,
                c.schedule().perDeviceEvalBatchSize(), c.runtime().seed(), false);
        int evalInterval = data.valid().isEmpty() ? 0 : c.eval().evaluationSteps();
        return new MultiTask(data.tasks(), weighting(c.loss(), data.tasks().size()),
                data.valid().isEmpty() ? List.of() : valid.epoch(0), evalInterval);
    }

    static LossWeighting weighting(LossConfig loss, int tasks) {
        double[] w = loss.weightsFor(tasks).stream().mapToDouble(Double::doubleValue).toArray();
        LossConfig.SelfPaced sp = loss.selfPaced();
        LossConfig.Coba coba = loss.coba();
        return switch (loss.weightedLossMode()) {
            case CASE1 -> new TaskWeighting(TaskWeighting.Mode.CASE1, w);
            case CASE2 -> new TaskWeighting(TaskWeighting.Mode.CASE2, w);
            case CASE3 -> new TaskWeighting(TaskWeighting.Mode.CASE3, w);
            case CASE4 -> new TaskWeighting(TaskWeighting.Mode.CASE4, w);
            case SELFPACED -> new SelfPacedWeighting(w, sp.interval(), sp.historyLength(), sp.sampleValidNum(),
                    sp.scaleFactor());
            case COBA -> new CobaWeighting(w, coba.warmupSteps(), coba.historyLength(), coba.tau(),
                    coba.updateInterval(), coba.sampleValidNum());
        };
    }
}
