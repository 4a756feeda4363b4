package dev.mft.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtenCpuKernelsTest {
    // the first processor's lines as Linux prints them (flags shortened)
    private static final String ZEN5 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n"
            + "model name\t: AMD EPYC\nflags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl\n";
    private static final String ZEN3 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
            + "flags\t\t: fpu sse sse2 avx avx2 fma\n";
    private static final String XEON = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
            + "flags\t\t: fpu sse sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl\n";

    @Test
    void avx2OnlyOnAmdCpusWithAvx512AndOnlyWhenTheUserDidNotChoose() {
        assertEquals("avx2", AtenCpuKernels.choice(null, ZEN5));
        assertNull(AtenCpuKernels.choice(null, ZEN3), "without AVX-512 libtorch takes AVX2 (or less) by itself");
        assertNull(AtenCpuKernels.choice(null, XEON), "Intel keeps libtorch's choice");
        assertNull(AtenCpuKernels.choice("avx512", ZEN5), "the user's value wins");
        assertNull(AtenCpuKernels.choice("", ZEN5), "even an empty one: libtorch warns about it, we do not replace it");
        assertNull(AtenCpuKernels.choice(null, null), "no /proc/cpuinfo (not Linux)");
        assertNull(AtenCpuKernels.choice(null, "processor\t: 0\nvendor_id\t: AuthenticAMD\n"), "no flags line");
        // a flag that only starts with avx512f is not avx512f
        assertNull(AtenCpuKernels.choice(null, ZEN3.replace("fma", "fma avx512fake")));
    }

    @Test
    void firstProcessorStopsAtItsBlankLine(@TempDir Path dir) throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, ZEN5 + "\n" + XEON.replace("processor\t: 0", "processor\t: 1") + "\n");
        assertEquals(ZEN5, AtenCpuKernels.firstProcessor(cpuinfo));
        assertNull(AtenCpuKernels.firstProcessor(dir.resolve("absent")));
    }

    @Test
    void aUserChoiceReachesLibtorchUnchanged() throws Exception {
        Assumptions.assumeTrue(List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "x86-64 only: the kernel sets and the capability query are x86-64's");
        // "default" (libtorch names it "NO AVX") is a kernel set every x86 libtorch has and never picks by itself on
        // a machine that runs this suite
        assertEquals("NO AVX", probe(Map.of(AtenCpuKernels.VARIABLE, "default")));
    }

    @Test
    void libtorchRunsItsAvx2KernelsOnAmdCpusWithAvx512() throws Exception {
        String expected = AtenCpuKernels.choice(null, AtenCpuKernels.firstProcessor(Path.of("/proc/cpuinfo")));
        Assumptions.assumeTrue(expected != null, "this CPU is not an AMD one with AVX-512: libtorch keeps its choice");
        assertEquals("AVX2", probe(Map.of()));
    }

    /** libtorch's kernel set in a fresh JVM started the way mft starts (the variable unset unless given). */
    private static String probe(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), CpuCapabilityProbe.class.getName()));
        pb.environment().remove(AtenCpuKernels.VARIABLE);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text.lines().filter(l -> l.startsWith("capability=")).map(l -> l.substring("capability=".length()))
                .findFirst().orElseThrow(() -> new AssertionError("no capability line in: " + text));
    }
}
