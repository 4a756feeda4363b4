package dev.mft.core.tensor;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Tells glibc's malloc to keep freed memory instead of returning it to the OS. libtorch on CPU allocates and frees
 * tens of MB per op (activations, AdamW temporaries); by default each such block is mmap'd and munmap'd, and the
 * page faults of touching fresh pages made an AdamW step over 19.5M parameters ~20x slower here (2.3 s vs 0.09 s).
 * Same effect as the MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ / MALLOC_TOP_PAD_ variables bin/mft sets.
 */
final class GlibcMalloc {
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;

    private interface LibC extends Library {
        int mallopt(int param, int value);
    }

    private GlibcMalloc() {}

    /** Applies the settings unless the user set the environment variables; a no-op off glibc. Returns if applied. */
    static boolean keepFreedMemory() {
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") != null) {
            return false; // the user (or bin/mft) chose already
        }
        try {
            LibC c = Native.load("c", LibC.class);
            return c.mallopt(M_MMAP_THRESHOLD, Integer.MAX_VALUE) == 1
                    & c.mallopt(M_TRIM_THRESHOLD, Integer.MAX_VALUE) == 1
                    & c.mallopt(M_TOP_PAD, 512 << 20) == 1;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false; // not glibc (musl, macOS): nothing to tune
        }
    }
}
