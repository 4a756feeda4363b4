package dev.mft.distributed.launch;

import dev.mft.distributed.collective.CollectiveException;
import dev.mft.distributed.collective.TcpRingCollective;
import dev.mft.distributed.rendezvous.Rendezvous;
import java.time.Duration;

/**
 * A worker process for launcher tests: joins the run from torchrun's environment and meets the others at ring
 * barriers (no libtorch needed, so it starts fast).
 * <ul>
 *   <li>{@code die RANK AFTER CODE}: rank RANK halts with CODE after AFTER barriers; the others go on until the ring
 *       fails under them</li>
 *   <li>{@code flaky}: on the first attempt rank 1 exits with 3 right after rendezvous; on a restart all succeed</li>
 * </ul>
 */
public final class TestWorker {
    private TestWorker() {}

    public static void main(String[] args) throws Exception {
        WorkerEnv env = WorkerEnv.fromEnvironment();
        WorkerEnv.exitWithLauncher(System.getenv());
        System.out.println("pid " + ProcessHandle.current().pid());
        Duration timeout = Duration.ofSeconds(20);
        boolean firstAttempt = "0".equals(System.getenv("MFT_RESTART_COUNT"));
        try (Rendezvous.Joined j = Rendezvous.join(env.masterAddr(), env.masterPort(), env.runId(), env.rank(),
                env.worldSize(), timeout);
                TcpRingCollective c = TcpRingCollective.connect(j.store(), env.runId(), env.rank(), env.worldSize(),
                        timeout)) {
            if (args[0].equals("flaky")) {
                if (firstAttempt && env.rank() == 1) {
                    System.exit(3);
                }
                for (int i = 0; i < 5; i++) {
                    c.barrier();
                }
                j.store().barrier("done", timeout); // rank 0 hosts the store: nobody may leave before all are done
                System.out.println("done");
                return;
            }
            int dieRank = Integer.parseInt(args[1]);
            int after = Integer.parseInt(args[2]);
            for (int i = 0; i < 10_000; i++) {
                if (env.rank() == dieRank && i == after) {
                    Runtime.getRuntime().halt(Integer.parseInt(args[3]));
                }
                c.barrier();
                Thread.sleep(5);
            }
        } catch (CollectiveException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }
}
