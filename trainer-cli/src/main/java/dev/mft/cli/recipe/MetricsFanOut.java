package dev.mft.cli.recipe;

import dev.mft.core.metrics.TensorBoardWriter;
import dev.mft.core.train.EvalMetrics;
import dev.mft.core.train.MetricsJsonl;
import dev.mft.core.train.MetricsSink;
import dev.mft.core.train.StepMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Sends each logged step to metrics.jsonl, the console and (with tb_dir) TensorBoard. */
final class MetricsFanOut implements MetricsSink, AutoCloseable {
    private final MetricsJsonl jsonl;
    private final ConsoleProgress console;
    private final TensorBoardWriter tensorBoard; // null without tb_dir

    private MetricsFanOut(MetricsJsonl jsonl, ConsoleProgress console, TensorBoardWriter tensorBoard) {
        this.jsonl = jsonl;
        this.console = console;
        this.tensorBoard = tensorBoard;
    }

    static MetricsFanOut of(MetricsJsonl jsonl, ConsoleProgress console, Optional<Path> tbDir) throws IOException {
        return new MetricsFanOut(jsonl, console, tbDir.isPresent() ? new TensorBoardWriter(tbDir.get()) : null);
    }

    @Override
    public void log(StepMetrics m) {
        jsonl.log(m);
        console.log(m);
        if (tensorBoard != null) {
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("train/loss", m.loss());
            v.put("train/lr", m.lr());
            v.put("train/grad_norm", m.gradNorm());
            v.put("train/tokens_per_s", m.tokensPerSecond());
            m.taskLosses().forEach((task, x) -> v.put("train/loss/" + task, x));
            scalars(m.step(), v);
        }
    }

    @Override
    public void logEval(EvalMetrics m) {
        jsonl.logEval(m);
        console.logEval(m);
        if (tensorBoard != null) {
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("eval/loss", m.loss());
            m.taskLosses().forEach((task, x) -> v.put("eval/loss/" + task, x));
            scalars(m.step(), v);
        }
    }

    private void scalars(int step, Map<String, Double> v) {
        try {
            tensorBoard.scalars(step, v);
        } catch (IOException e) {
            throw new UncheckedIOException("writing TensorBoard events", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (tensorBoard != null) {
            tensorBoard.close();
        }
    }
}
