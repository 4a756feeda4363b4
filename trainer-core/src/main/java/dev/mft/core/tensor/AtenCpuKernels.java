package dev.mft.core.tensor;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Chooses libtorch's CPU kernel set ({@code ATEN_CPU_CAPABILITY}) before the first op runs: AVX2 instead of AVX-512
 * on AMD CPUs, unless the user chose.
 *
 * <p>Why (docs/benchmarks.md, "Fifteenth session"): libtorch's AVX-512 {@code exp} (Sleef, used by softmax, SiLU and
 * every op built on exp) ends in a merge-masked load of its overflow constant, a load whose mask is all zeros for
 * every input a softmax gives it. On AMD Zen 5 such a load from a page whose accessed bit is clear takes a microcode
 * assist on every call and never sets the bit, so once anything clears it (the kernel's DAMON monitor in the VM we
 * measured on does, on pages it samples, every half second) every exp costs ~40x more for the rest of the process:
 * training steps 1.6-1.8x slower, at a random step, for good. The AVX2 build of the same function loads the constant
 * unconditionally, and the step is as fast with AVX2 kernels as with AVX-512 ones there (MKL's matmuls, which are
 * most of the step, are not affected by this setting). Measured on Zen 5 only; applied to every AMD CPU with
 * AVX-512 (Zen 4 included, unmeasured), since the AVX2 kernels cost nothing measurable where it was measured.
 *
 * <p>libtorch reads the variable once, when its first CPU kernel is dispatched, so this runs before the engine
 * starts ({@link TorchRuntime#start}). It is set in the C environment, where libtorch reads it; Java's own view of
 * the environment does not change.
 */
final class AtenCpuKernels {
    static final String VARIABLE = "ATEN_CPU_CAPABILITY";
    static final String AVX2 = "avx2";

    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    private AtenCpuKernels() {}

    /**
     * The kernel set mft asks libtorch for, or null to leave libtorch's own choice: {@code avx2} on an AMD CPU that
     * has AVX-512 (where libtorch would take its AVX-512 kernels; AVX2 and FMA come with it), when the user has not
     * set {@code ATEN_CPU_CAPABILITY}.
     *
     * @param userValue the variable as the process was started with it (null if unset)
     * @param cpuinfo the start of /proc/cpuinfo, at least the first processor's {@code vendor_id} and {@code flags}
     */
    static String choice(String userValue, String cpuinfo) {
        if (userValue != null || cpuinfo == null) {
            return null;
        }
        String vendor = field(cpuinfo, "vendor_id");
        String flags = field(cpuinfo, "flags");
        if (!"AuthenticAMD".equals(vendor) || flags == null) {
            return null;
        }
        return Arrays.asList(flags.split("\\s+")).contains("avx512f") ? AVX2 : null;
    }

    /** Sets the variable in the C environment when {@link #choice} says so. */
    static void applyBeforeStart() {
        String value = choice(System.getenv(VARIABLE), firstProcessor(Path.of("/proc/cpuinfo")));
        if (value == null) {
            return;
        }
        try {
            // overwrite 0: a value set natively since start-up (by an embedding application) wins too
            Native.load("c", LibC.class).setenv(VARIABLE, value, 0);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            // no C library to reach (not Linux): libtorch keeps its choice
        }
    }

    /** The value of {@code key} in the first {@code key : value} line of cpuinfo, or null. */
    private static String field(String cpuinfo, String key) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(key)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** The first processor's block of /proc/cpuinfo (up to its first blank line), or null where there is none. */
    static String firstProcessor(Path cpuinfo) {
        if (!Files.isReadable(cpuinfo)) {
            return null;
        }
        StringBuilder block = new StringBuilder();
        try (BufferedReader in = Files.newBufferedReader(cpuinfo, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null && !line.isBlank(); line = in.readLine()) {
                block.append(line).append('\n');
            }
        } catch (IOException e) {
            return null;
        }
        return block.toString();
    }
}
