package dev.mft.cli.command;

import dev.mft.distributed.launch.LaunchOptions;
import dev.mft.distributed.launch.Launcher;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mft launch}: torchrun for mft; starts this node's workers and supervises them as one group. */
@Command(name = "launch", mixinStandardHelpOptions = true,
        description = {"Start N worker processes on this node, each running an mft subcommand with torchrun's",
            "environment (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT). Their output is",
            "prefixed by rank. If a worker fails, the others are stopped and the launcher exits naming it, after",
            "--max_restarts restarts of the whole group. Run it once per node with the same --master_addr/--port.",
            "Put the subcommand after '--'.", "",
            "Examples:",
            "  mft launch --nproc_per_node 2 -- train --train_config x.json --zero_stage 2",
            "  mft launch --nnodes 2 --node_rank 0 --nproc_per_node 8 --master_addr 10.0.0.1 --master_port 29500 \\",
            "      --rdzv_id job42 -- train --train_config x.json"})
public final class LaunchCommand implements Callable<Integer> {
    @Option(names = {"--nproc_per_node", "--nproc-per-node"}, defaultValue = "1",
            description = "Workers on this node (usually its GPU count). Default: ${DEFAULT-VALUE}.")
    int nprocPerNode;

    @Option(names = "--nnodes", defaultValue = "1", description = "Nodes in the run. Default: ${DEFAULT-VALUE}.")
    int nnodes;

    @Option(names = {"--node_rank", "--node-rank"}, defaultValue = "0",
            description = "This node's index, 0..nnodes-1. Default: ${DEFAULT-VALUE}.")
    int nodeRank;

    @Option(names = {"--master_addr", "--master-addr"}, defaultValue = "127.0.0.1",
            description = "Address of node 0, where rank 0 hosts the rendezvous store. Default: ${DEFAULT-VALUE}.")
    String masterAddr;

    @Option(names = {"--master_port", "--master-port"}, defaultValue = "29500",
            description = "Port of the rendezvous store on node 0. Default: ${DEFAULT-VALUE}.")
    int masterPort;

    @Option(names = {"--max_restarts", "--max-restarts"}, defaultValue = "0",
            description = "Restarts of the whole worker group after a failure. Default: ${DEFAULT-VALUE}.")
    int maxRestarts;

    @Option(names = {"--rdzv_id", "--rdzv-id"}, paramLabel = "<id>",
            description = "Run id every worker must present to join (the same on every node); default: a random"
                    + " token, fine for one node.")
    String rdzvId;

    @Parameters(paramLabel = "SUBCOMMAND", arity = "1..*", description = "The mft subcommand and its arguments.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        LaunchOptions o = new LaunchOptions(nprocPerNode, nnodes, nodeRank, masterAddr, masterPort, maxRestarts,
                Optional.ofNullable(rdzvId), command);
        if (nnodes > 1 && rdzvId == null) {
            throw new IllegalArgumentException("--nnodes " + nnodes + " needs --rdzv_id: every node's launcher must"
                    + " hand its workers the same run id");
        }
        return new Launcher(o, workerCommand(), System.getenv(), System.out, System.err).run();
    }

    /** This same JVM and class path, running mft's main: workers are what {@code bin/mft} would start. */
    static List<String> workerCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrunjdwp")) {
                cmd.add(arg); // heap size, -D settings; never a debugger port, which N workers cannot share
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.mft.cli.Main");
        return cmd;
    }
}
