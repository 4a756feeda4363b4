package dev.mft.distributed.launch;

import java.util.Map;

/**
 * Where this process stands in a run, from torchrun's environment variables (so a worker started by torchrun, by a
 * cluster script, or by {@code mft launch} works alike). A process without {@code WORLD_SIZE} is a single worker.
 *
 * @param runId the run's secret: {@code MFT_RUN_ID}, else torchrun's {@code TORCHELASTIC_RUN_ID}, else ""
 */
public record WorkerEnv(int rank, int worldSize, int localRank, int localWorldSize, String masterAddr, int masterPort,
        String runId) {
    public static final String RANK = "RANK";
    public static final String WORLD_SIZE = "WORLD_SIZE";
    public static final String LOCAL_RANK = "LOCAL_RANK";
    public static final String LOCAL_WORLD_SIZE = "LOCAL_WORLD_SIZE";
    public static final String GROUP_RANK = "GROUP_RANK";
    public static final String MASTER_ADDR = "MASTER_ADDR";
    public static final String MASTER_PORT = "MASTER_PORT";
    public static final String RUN_ID = "MFT_RUN_ID";
    public static final String TORCHRUN_RUN_ID = "TORCHELASTIC_RUN_ID";
    /** Set by {@code mft launch}: the worker exits when that process is gone (no orphans). */
    public static final String LAUNCHER_PID = "MFT_LAUNCHER_PID";

    public WorkerEnv {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException(RANK + "=" + rank + " and " + WORLD_SIZE + "=" + worldSize
                    + ": need WORLD_SIZE >= 1 and 0 <= RANK < WORLD_SIZE");
        }
        if (localWorldSize < 1 || localRank < 0 || localRank >= localWorldSize) {
            throw new IllegalArgumentException(LOCAL_RANK + "=" + localRank + " and " + LOCAL_WORLD_SIZE + "="
                    + localWorldSize + ": need LOCAL_WORLD_SIZE >= 1 and 0 <= LOCAL_RANK < LOCAL_WORLD_SIZE");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException(MASTER_PORT + "=" + masterPort + ": need a TCP port in 1..65535");
        }
    }

    /** One process, no peers. */
    public static WorkerEnv single() {
        return new WorkerEnv(0, 1, 0, 1, "127.0.0.1", 29500, "");
    }

    public static WorkerEnv fromEnvironment() {
        return from(System.getenv());
    }

    /** Reads the variables; without WORLD_SIZE this is a single worker. */
    public static WorkerEnv from(Map<String, String> env) {
        if (env.get(WORLD_SIZE) == null) {
            return single();
        }
        int world = integer(env, WORLD_SIZE, null);
        int rank = integer(env, RANK, null);
        int localWorld = integer(env, LOCAL_WORLD_SIZE, world);
        int localRank = integer(env, LOCAL_RANK, rank % localWorld);
        String addr = env.getOrDefault(MASTER_ADDR, "127.0.0.1");
        int port = integer(env, MASTER_PORT, 29500);
        String runId = env.getOrDefault(RUN_ID, env.getOrDefault(TORCHRUN_RUN_ID, ""));
        return new WorkerEnv(rank, world, localRank, localWorld, addr, port, runId);
    }

    private static int integer(Map<String, String> env, String name, Integer fallback) {
        String v = env.get(name);
        if (v == null) {
            if (fallback == null) {
                throw new IllegalArgumentException(WORLD_SIZE + " is set, so " + name + " must be too (torchrun's"
                        + " worker variables: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT)");
            }
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "=" + v + " is not an integer");
        }
    }

    public boolean distributed() {
        return worldSize > 1;
    }

    /** When started by {@code mft launch}: halt this worker as soon as the launcher is gone. */
    public static void exitWithLauncher(Map<String, String> env) {
        String pid = env.get(LAUNCHER_PID);
        if (pid == null) {
            return;
        }
        ProcessHandle.of(Long.parseLong(pid)).ifPresentOrElse(
                h -> h.onExit().thenRun(() -> Runtime.getRuntime().halt(143)),
                () -> Runtime.getRuntime().halt(143));
    }
}
