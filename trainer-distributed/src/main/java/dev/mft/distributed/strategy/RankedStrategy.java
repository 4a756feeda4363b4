package dev.mft.distributed.strategy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.parallel.ParallelStrategy;
import dev.mft.distributed.collective.Collective;

/** What every multi-rank strategy shares: the collective, sums of host numbers over ranks, and its own memory scope. */
abstract class RankedStrategy implements ParallelStrategy {
    final Collective collective;
    final NDManager manager;
    private final HostSums sums;

    RankedStrategy(Collective collective, NDManager parent, Device device) {
        this.collective = collective;
        this.manager = parent.newSubManager(device);
        this.sums = new HostSums(collective, manager, device);
    }

    @Override
    public long[] sumOverRanks(long[] local) {
        return sums.sum(local);
    }

    @Override
    public double sumOverRanks(double local) {
        return sums.sum(local);
    }
}
