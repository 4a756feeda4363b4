package dev.mft.distributed.launch;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code mft launch} was asked for, with torchrun's flags and defaults.
 *
 * @param rdzvId the run id every worker must present at rendezvous; empty = a random token
 * @param workerArgs the mft subcommand and its arguments each worker runs
 */
public record LaunchOptions(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort,
        int maxRestarts, Optional<String> rdzvId, List<String> workerArgs) {

    public LaunchOptions {
        Objects.requireNonNull(masterAddr, "master_addr");
        Objects.requireNonNull(rdzvId, "rdzv_id");
        workerArgs = List.copyOf(workerArgs);
        if (nprocPerNode < 1) {
            throw new IllegalArgumentException("--nproc_per_node must be >= 1, got " + nprocPerNode);
        }
        if (nnodes < 1) {
            throw new IllegalArgumentException("--nnodes must be >= 1, got " + nnodes);
        }
        if (nodeRank < 0 || nodeRank >= nnodes) {
            throw new IllegalArgumentException("--node_rank must be in 0.." + (nnodes - 1) + ", got " + nodeRank);
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new IllegalArgumentException("--master_port must be in 1..65535, got " + masterPort);
        }
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("--max_restarts must be >= 0, got " + maxRestarts);
        }
        if (workerArgs.isEmpty()) {
            throw new IllegalArgumentException("nothing to launch: give the mft subcommand after '--', e.g."
                    + " mft launch --nproc_per_node 2 -- train --train_config x.json");
        }
        if (rdzvId.isPresent() && rdzvId.get().isBlank()) {
            throw new IllegalArgumentException("--rdzv_id must not be blank");
        }
    }

    public int worldSize() {
        return nprocPerNode * nnodes;
    }
}
