package dev.mft.distributed.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The launcher with real worker processes (a small test main on the test class path). */
class LauncherTest {

    private static List<String> javaWorker() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"), TestWorker.class.getName());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private record Run(int code, String out, String err, double seconds) {}

    private static Run launch(int nproc, int maxRestarts, List<String> args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>(System.getenv());
        LaunchOptions o = new LaunchOptions(nproc, 1, 0, "127.0.0.1", freePort(), maxRestarts, Optional.empty(), args);
        long start = System.nanoTime();
        int code;
        try (PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream pe = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = new Launcher(o, javaWorker(), env, po, pe).run();
        }
        Thread.sleep(200); // the output pumps flush their last lines
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                (System.nanoTime() - start) / 1e9);
    }

    @Test
    void aWorkerThatDiesStopsTheGroupAndIsNamed() throws Exception {
        Run r = launch(3, 0, List.of("die", "1", "20", "7"));
        assertEquals(7, r.code, r.err);
        assertTrue(r.err.contains("mft launch: rank 1 (local rank 1"), r.err);
        assertTrue(r.err.contains("exited with code 7"), r.err);
        assertTrue(r.err.contains("mft launch: failed: rank 1 exited with code 7"), r.err);
        assertTrue(r.seconds < 30, "took " + r.seconds + " s");
        List<Long> pids = pids(r.out);
        assertEquals(3, pids.size(), r.out);
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "worker " + pid + " lives");
        }
        assertTrue(r.out.contains("[rank 0] pid ") && r.out.contains("[rank 2] pid "), "output prefixed by rank");
    }

    @Test
    void aFailedGroupIsRestartedUpToMaxRestarts() throws Exception {
        Run r = launch(2, 1, List.of("flaky"));
        assertEquals(0, r.code, r.err);
        assertTrue(r.err.contains("rank 1 (local rank 1") && r.err.contains("exited with code 3"), r.err);
        assertTrue(r.err.contains("restarting the worker group (restart 1 of 1)"), r.err);
        assertTrue(r.out.contains("[rank 0] done") && r.out.contains("[rank 1] done"), r.out);
    }

    @Test
    void workersGetTorchrunsVariables() {
        LaunchOptions o = new LaunchOptions(4, 2, 1, "10.0.0.1", 29500, 0, Optional.of("job-7"), List.of("train"));
        Map<String, String> env = new Launcher(o, List.of("java"), Map.of("PATH", "/bin"), System.out, System.err)
                .workerEnv(2, 6, 0);
        assertEquals("6", env.get("RANK"));
        assertEquals("2", env.get("LOCAL_RANK"));
        assertEquals("1", env.get("GROUP_RANK"));
        assertEquals("8", env.get("WORLD_SIZE"));
        assertEquals("4", env.get("LOCAL_WORLD_SIZE"));
        assertEquals("10.0.0.1", env.get("MASTER_ADDR"));
        assertEquals("29500", env.get("MASTER_PORT"));
        assertEquals("job-7", env.get("MFT_RUN_ID"));
        assertEquals("1", env.get("OMP_NUM_THREADS"));
        assertEquals("/bin", env.get("PATH"));
        WorkerEnv w = WorkerEnv.from(env);
        assertEquals(new WorkerEnv(6, 8, 2, 4, "10.0.0.1", 29500, "job-7"), w);
    }

    private static List<Long> pids(String out) {
        List<Long> pids = new ArrayList<>();
        Matcher m = Pattern.compile("\\] pid (\\d+)").matcher(out);
        while (m.find()) {
            pids.add(Long.parseLong(m.group(1)));
        }
        return pids;
    }
}
