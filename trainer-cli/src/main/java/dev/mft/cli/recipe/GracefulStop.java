package dev.mft.cli.recipe;

import java.io.PrintStream;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM ask the run to stop after the current step; the recipe then writes a checkpoint and
 * exits 0. A second Ctrl-C while waiting exits at once (code 130).
 */
final class GracefulStop {
    private volatile boolean requested;

    /** Installs the handlers (once per run). */
    static GracefulStop install(PrintStream out) {
        GracefulStop stop = new GracefulStop();
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), sig -> {
                    if (stop.requested) {
                        out.println("second SIG" + name + ": exiting now, without a checkpoint of this step");
                        Runtime.getRuntime().halt(130);
                    }
                    stop.requested = true;
                    out.println("SIG" + name + ": finishing this step, then writing a checkpoint and stopping"
                            + " (press Ctrl-C again to exit at once)");
                });
            } catch (IllegalArgumentException e) {
                // the signal is not available here (e.g. reserved by the JVM): Ctrl-C then ends the JVM as usual
            }
        }
        return stop;
    }

    boolean requested() {
        return requested;
    }

    /** For tests: behave as if a signal arrived. */
    void request() {
        requested = true;
    }
}
