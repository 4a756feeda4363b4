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

/**
 * {@code metrics.jsonl}: one JSON object per logged step, flushed as written so a crash loses nothing logged.
 * Fields: step, epoch, loss, lr, grad_norm, tokens, trained_tokens, tokens_per_s, elapsed_s.
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

    /** One evaluation line: {@code {"step": k, "eval_loss": x, ...}}. */
    public void logEval(int step, java.util.Map<String, Double> values) {
        ObjectNode n = JSON.createObjectNode();
        n.put("step", step);
        values.forEach(n::put);
        write(n);
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
        write(n);
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
