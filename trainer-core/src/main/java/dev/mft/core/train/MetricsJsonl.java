package dev.mft.core.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per logged step, flushed as written so a crash loses nothing logged.
 * Fields: step, epoch, loss, lr, grad_norm, tokens, trained_tokens, tokens_per_s, elapsed_s, and with several tasks
 * task_losses (mean token CE per task over the step) and, for case3/case4/selfpaced/coba, task_weights. Evaluation
 * lines hold step, eval_loss, eval_tokens and eval_task_losses.
 */
public final class MetricsJsonl implements MetricsSink, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    /** Starts a fresh file (a new run); the folder is created if needed. */
    public MetricsJsonl(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    private MetricsJsonl(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Continues the file of a run resumed after {@code step}: lines of later steps (written after that checkpoint by
     * the interrupted run) are dropped first, so the file reads as if the run had never stopped.
     */
    public static MetricsJsonl resume(Path file, int step) throws IOException {
        StringBuilder kept = new StringBuilder();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    if (JSON.readTree(line).path("step").asInt(Integer.MAX_VALUE) <= step) {
                        kept.append(line).append('\n');
                    }
                } catch (IOException e) {
                    break; // a line cut by a crash ends the usable part of the file
                }
            }
        }
        dev.mft.core.io.AtomicFiles.writeString(file, kept.toString());
        return new MetricsJsonl(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    @Override
    public void log(StepMetrics m) {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", m.step());
        n.put("epoch", m.epoch());
        n.put("loss", m.loss());
        n.put("lr", m.lr());
        n.put("grad_norm", m.gradNorm());
        n.put("tokens", m.tokens());
        n.put("trained_tokens", m.trainedTokens());
        n.put("tokens_per_s", m.tokensPerSecond());
        n.put("elapsed_s", m.elapsedSeconds());
        putIfAny(n, "task_losses", m.taskLosses());
        putIfAny(n, "task_weights", m.taskWeights());
        write(n);
    }

    /** An evaluation line: step, eval_loss, eval_tokens, eval_task_losses. */
    @Override
    public void logEval(EvalMetrics m) {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", m.step());
        n.put("eval_loss", m.loss());
        n.put("eval_tokens", m.tokens());
        m.taskLosses().forEach(n.putObject("eval_task_losses")::put);
        write(n);
    }

    private static void putIfAny(ObjectNode n, String field, Map<String, Double> values) {
        if (!values.isEmpty()) {
            values.forEach(n.putObject(field)::put);
        }
    }

    private void write(ObjectNode n) {
        try {
            out.write(JSON.writeValueAsString(n));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing metrics.jsonl", e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
