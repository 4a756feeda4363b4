package dev.mft.cli.recipe;

import dev.mft.core.train.EvalMetrics;
import dev.mft.core.train.MetricsSink;
import dev.mft.core.train.StepMetrics;
import java.io.PrintStream;

/** One progress line per logged step: step/total, epoch, loss, lr, grad norm, tokens/s and ETA. */
final class ConsoleProgress implements MetricsSink {
    private final PrintStream out;

    ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void log(StepMetrics m) {
        double perStep = m.elapsedSeconds() / m.step();
        out.printf("step %d/%d | epoch %.2f | loss %.4f | lr %.2e | grad_norm %.3f | %,.0f tok/s | ETA %s%n",
                m.step(), m.totalSteps(), m.epoch(), m.loss(), m.lr(), m.gradNorm(), m.tokensPerSecond(),
                duration(perStep * (m.totalSteps() - m.step())));
    }

    @Override
    public void logEval(EvalMetrics m) {
        StringBuilder tasks = new StringBuilder();
        m.taskLosses().forEach((task, loss) -> tasks.append(String.format(" | %s %.4f", task, loss)));
        out.printf("eval at step %d | loss %.4f%s%n", m.step(), m.loss(), tasks);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
