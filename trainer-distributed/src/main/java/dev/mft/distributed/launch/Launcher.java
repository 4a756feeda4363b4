package dev.mft.distributed.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * torchrun for mft: starts this node's worker processes with torchrun's environment variables, prefixes their output
 * with their rank, and supervises them as one group: when any worker fails, the others are stopped within seconds
 * and the group is restarted ({@code --max_restarts}) or the launcher fails naming the rank and its exit code.
 */
public final class Launcher {
    /** How long stopped workers get to exit after SIGTERM before they are killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final LaunchOptions options;
    private final List<String> workerCommand;
    private final Map<String, String> baseEnv;
    private final PrintStream out;
    private final PrintStream err;
    private final String runId;
    private final List<Process> live = new ArrayList<>();

    /**
     * @param workerCommand the program each worker runs, before the subcommand (e.g. java ... dev.mft.cli.Main)
     * @param baseEnv the environment workers inherit (this process's, usually)
     */
    public Launcher(LaunchOptions options, List<String> workerCommand, Map<String, String> baseEnv, PrintStream out,
            PrintStream err) {
        this.options = options;
        this.workerCommand = List.copyOf(workerCommand);
        this.baseEnv = Map.copyOf(baseEnv);
        this.out = out;
        this.err = err;
        this.runId = options.rdzvId().orElseGet(Launcher::randomRunId);
    }

    /** A worker that ended, with its exit code. */
    private record Exit(int localRank, int rank, long pid, int code) {}

    /** Runs the group until every worker succeeds (0) or the restarts are used up (the failed worker's exit code). */
    public int run() throws IOException, InterruptedException {
        Thread stopOnExit = new Thread(this::stopAll, "mft-launch-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnExit); // Ctrl-C on the launcher must not leave workers behind
        try {
            for (int attempt = 0; ; attempt++) {
                Exit failed = runGroup(attempt);
                if (failed == null) {
                    return 0;
                }
                if (attempt >= options.maxRestarts()) {
                    err.printf("mft launch: failed: rank %d exited with code %d%s%n", failed.rank, failed.code,
                            options.maxRestarts() > 0 ? " (after " + attempt + " restart(s))" : "");
                    return failed.code > 0 && failed.code < 256 ? failed.code : 1;
                }
                err.printf("mft launch: restarting the worker group (restart %d of %d)%n", attempt + 1,
                        options.maxRestarts());
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    /** Null when all workers succeeded, else the first that failed. */
    private Exit runGroup(int attempt) throws IOException, InterruptedException {
        BlockingQueue<Exit> exits = new LinkedBlockingQueue<>();
        int n = options.nprocPerNode();
        List<Process> group = new ArrayList<>();
        for (int local = 0; local < n; local++) {
            int rank = options.nodeRank() * n + local;
            ProcessBuilder pb = new ProcessBuilder(command());
            pb.environment().clear();
            pb.environment().putAll(workerEnv(local, rank, attempt));
            Process p = pb.start();
            synchronized (live) {
                live.add(p);
            }
            group.add(p);
            pump(p.getInputStream(), out, rank);
            pump(p.getErrorStream(), err, rank);
            int localRank = local;
            p.onExit().thenAccept(done -> exits.add(new Exit(localRank, rank, done.pid(), done.exitValue())));
        }
        int remaining = n;
        while (remaining > 0) {
            Exit e = exits.take();
            remaining--;
            if (e.code != 0) {
                List<Integer> stopped = stop(group);
                err.printf("mft launch: rank %d (local rank %d, pid %d) exited with code %d%s; stopped %s%n", e.rank,
                        e.localRank, e.pid, e.code, signal(e.code),
                        stopped.isEmpty() ? "no other worker (none was running)" : "ranks " + stopped);
                forget(group);
                return e;
            }
        }
        forget(group);
        return null;
    }

    private List<String> command() {
        List<String> cmd = new ArrayList<>(workerCommand);
        cmd.addAll(options.workerArgs());
        return cmd;
    }

    /** torchrun's variables, plus the run id and the launcher's pid (workers exit when it is gone). */
    Map<String, String> workerEnv(int localRank, int rank, int attempt) {
        Map<String, String> env = new HashMap<>(baseEnv);
        env.put(WorkerEnv.LOCAL_RANK, Integer.toString(localRank));
        env.put(WorkerEnv.RANK, Integer.toString(rank));
        env.put(WorkerEnv.GROUP_RANK, Integer.toString(options.nodeRank()));
        env.put(WorkerEnv.LOCAL_WORLD_SIZE, Integer.toString(options.nprocPerNode()));
        env.put(WorkerEnv.WORLD_SIZE, Integer.toString(options.worldSize()));
        env.put(WorkerEnv.MASTER_ADDR, options.masterAddr());
        env.put(WorkerEnv.MASTER_PORT, Integer.toString(options.masterPort()));
        env.put(WorkerEnv.RUN_ID, runId);
        env.put(WorkerEnv.LAUNCHER_PID, Long.toString(ProcessHandle.current().pid()));
        env.put("MFT_RESTART_COUNT", Integer.toString(attempt));
        if (options.nprocPerNode() > 1) {
            env.putIfAbsent("OMP_NUM_THREADS", "1"); // torchrun's default: N workers must not each take every core
        }
        return env;
    }

    /** Stops the still-running workers of a group (SIGTERM, then SIGKILL after the grace); returns their ranks. */
    private List<Integer> stop(List<Process> group) throws InterruptedException {
        List<Integer> stopped = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            if (group.get(i).isAlive()) {
                group.get(i).destroy();
                stopped.add(options.nodeRank() * options.nprocPerNode() + i);
            }
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (Process p : group) {
            long left = deadline - System.nanoTime();
            if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return stopped;
    }

    private void stopAll() {
        synchronized (live) {
            live.forEach(Process::destroyForcibly);
        }
    }

    private void forget(List<Process> group) {
        synchronized (live) {
            live.removeAll(group);
        }
    }

    private static String signal(int code) {
        if (code <= 128 || code > 128 + 64) {
            return "";
        }
        int sig = code - 128;
        String name = switch (sig) {
            case 6 -> " SIGABRT";
            case 9 -> " SIGKILL";
            case 11 -> " SIGSEGV";
            case 15 -> " SIGTERM";
            default -> "";
        };
        return " (killed by signal " + sig + name + ")";
    }

    /** Copies a worker's stream line by line, each prefixed with its rank. */
    private static void pump(InputStream in, PrintStream to, int rank) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String prefix = "[rank " + rank + "] ";
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (to) {
                        to.println(prefix + line);
                    }
                }
            } catch (IOException e) {
                // the worker's pipe closed: it exited
            }
        }, "mft-launch-output-" + rank);
        t.setDaemon(true);
        t.start();
    }

    public String runId() {
        return runId;
    }

    private static String randomRunId() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
