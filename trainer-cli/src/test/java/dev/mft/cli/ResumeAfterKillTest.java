package dev.mft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 a training JVM after a checkpoint, resume with the same command (auto_resume), and the metrics after the
 * resume point equal those of an uninterrupted run, line for line.
 */
class ResumeAfterKillTest {
    @TempDir
    Path dir;

    private static List<JsonNode> rows(Path metrics) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(metrics)) {
            out.add(new ObjectMapper().readTree(line));
        }
        return out;
    }

    @Test
    void runKilledMidTrainingResumesToTheSameMetrics() throws Exception {
        assertEquals(0, CliRun.of("demo-setup", "--dir", dir.resolve("demo").toString()).exitCode());
        String demo = Files.readString(Path.of(System.getProperty("mft.repo.root", "..")).resolve("configs/demo.json"));
        Path config = dir.resolve("demo.json");
        Files.writeString(config, demo.replace("../work/demo/", "demo/").replace("../work/demo-out", "out"));
        String[] args = {"train", "--train_config", config.toString(), "--num_train_epochs", "8",
            "--checkpointing_steps", "6", "--evaluation_steps", "6", "--log_interval", "1"};

        CliRun straight = CliRun.of(concat(args, "--output_dir", dir.resolve("straight").toString()));
        assertEquals(0, straight.exitCode(), straight.err());

        Path out = dir.resolve("killed");
        ProcessBuilder pb = new ProcessBuilder(concat(new String[] {
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
            System.getProperty("java.class.path"), "dev.mft.cli.Main"}, concat(args, "--output_dir", out.toString())));
        pb.environment().put("DJL_OFFLINE", "true");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
        Process child = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(out.resolve("checkpoint-18")) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(child.isAlive(), "the child finished before it could be killed: " + Files.readString(
                dir.resolve("child.log")));
        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no chance to tidy up
        child.waitFor(30, TimeUnit.SECONDS);
        assertTrue(!Files.exists(out.resolve("final")), "a killed run must not have written final/");

        CliRun resumed = CliRun.of(concat(args, "--output_dir", out.toString()));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("resume: "), resumed.out());

        List<JsonNode> a = rows(dir.resolve("straight/metrics.jsonl"));
        List<JsonNode> b = rows(out.resolve("metrics.jsonl"));
        assertEquals(a.size(), b.size(), "metrics.jsonl line count");
        for (int i = 0; i < a.size(); i++) {
            for (String f : List.of("step", "loss", "grad_norm", "lr", "tokens", "eval_loss")) {
                if (a.get(i).has(f) || b.get(i).has(f)) {
                    assertEquals(a.get(i).get(f).asDouble(), b.get(i).get(f).asDouble(), 0.0,
                            f + " on metrics line " + (i + 1));
                }
            }
        }
        assertTrue(Files.isRegularFile(out.resolve("final/model.safetensors")));
    }

    @Test
    void ctrlCFinishesTheStepWritesACheckpointAndExitsZero() throws Exception {
        assertEquals(0, CliRun.of("demo-setup", "--dir", dir.resolve("demo").toString()).exitCode());
        String demo = Files.readString(Path.of(System.getProperty("mft.repo.root", "..")).resolve("configs/demo.json"));
        Path config = dir.resolve("demo.json");
        Files.writeString(config, demo.replace("../work/demo/", "demo/").replace("../work/demo-out", "out"));
        Path out = dir.resolve("interrupted");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.mft.cli.Main", "train", "--train_config",
                config.toString(), "--output_dir", out.toString(), "--num_train_epochs", "200",
                "--checkpointing_steps", "1000");
        pb.environment().put("DJL_OFFLINE", "true");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
        Process child = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(dir.resolve("child.log")).contains("step 20/") && child.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start().waitFor();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the run did not stop after SIGINT");
        String log = Files.readString(dir.resolve("child.log"));
        assertEquals(0, child.exitValue(), log);
        assertTrue(log.contains("SIGINT: finishing this step"), log);
        List<Path> checkpoints;
        try (var l = Files.list(out)) {
            checkpoints = l.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).toList();
        }
        assertEquals(1, checkpoints.size(), checkpoints.toString()); // the stop's own checkpoint (none was due before)
        assertTrue(!Files.exists(out.resolve("final")), "an interrupted run writes no final/");
    }

    private static String[] concat(String[] a, String... b) {
        String[] o = new String[a.length + b.length];
        System.arraycopy(a, 0, o, 0, a.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }
}
