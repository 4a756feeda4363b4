package dev.mft.core.train;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;

/** Bytes glibc's malloc has handed out and not got back (mallinfo2): native memory in use, JVM heap excluded. */
final class NativeHeap {
    private NativeHeap() {}

    /** glibc's struct mallinfo2 (all size_t). */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }

    private interface LibC extends Library {
        MallInfo2 mallinfo2();
    }

    private static final LibC LIBC = Native.load("c", LibC.class);

    /** Allocated bytes in use: small-block arenas plus mmapped chunks. */
    static long inUseBytes() {
        MallInfo2 info = LIBC.mallinfo2();
        return info.uordblks + info.hblkhd;
    }
}
