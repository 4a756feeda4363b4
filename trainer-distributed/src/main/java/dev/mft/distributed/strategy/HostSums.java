package dev.mft.distributed.strategy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mft.distributed.collective.Collective;
import dev.mft.distributed.collective.ReduceOp;

/** Sums of host numbers over ranks (token counts, loss sums), exact in float64 up to 2^53, through the collective. */
final class HostSums {
    private final Collective collective;
    private final NDManager manager;
    private final Device device;

    HostSums(Collective collective, NDManager manager, Device device) {
        this.collective = collective;
        this.manager = manager;
        this.device = device;
    }

    long[] sum(long[] local) {
        double[] d = new double[local.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = local[i];
        }
        double[] s = sum(d);
        long[] out = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = Math.round(s[i]);
        }
        return out;
    }

    double sum(double local) {
        return sum(new double[] {local})[0];
    }

    private double[] sum(double[] local) {
        if (collective.worldSize() == 1) {
            return local.clone();
        }
        try (NDManager s = manager.newSubManager(device)) {
            NDArray a = s.create(local);
            if (!a.getDevice().equals(device)) {
                a = a.toDevice(device, false);
            }
            collective.allReduce(a, ReduceOp.SUM);
            return a.toDoubleArray();
        }
    }
}
