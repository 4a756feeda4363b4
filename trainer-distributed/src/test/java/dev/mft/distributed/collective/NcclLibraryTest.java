package dev.mft.distributed.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a GPU the NCCL backend must fail to start with a message that says where it looked and what to do. */
class NcclLibraryTest {

    @Test
    void aMissingLibraryIsAnErrorListingEveryPlaceSearched(@TempDir Path dir) {
        Map<String, String> env = Map.of("LD_LIBRARY_PATH", dir.toString(), "CUDA_HOME", "/opt/cuda-x",
                "CONDA_PREFIX", "/opt/conda-x");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NcclLibrary.find("libnccl.so.2", NcclLibrary.NCCL_ENV, "nccl", env));
        String m = e.getMessage();
        assertTrue(m.startsWith("libnccl.so.2 not found, so the NCCL backend cannot start. Searched: MFT_NCCL_LIBRARY"
                + " (unset), " + dir), m);
        for (String place : new String[] {"/opt/cuda-x/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/local/cuda/lib64",
            "/opt/conda-x/lib"}) {
            assertTrue(m.contains(place), place + " in: " + m);
        }
        assertTrue(m.contains("pip install nvidia-nccl-cu12") && m.contains("dist_backend \"tcp\""), m);
    }

    @Test
    void theLibraryIsFoundOnTheLibraryPathOrByExplicitPath(@TempDir Path dir) throws Exception {
        Path lib = Files.createFile(dir.resolve("libnccl.so.2"));
        assertEquals(lib, NcclLibrary.find("libnccl.so.2", NcclLibrary.NCCL_ENV, "nccl",
                Map.of("LD_LIBRARY_PATH", "/nonexistent:" + dir)));
        assertEquals(lib, NcclLibrary.find("libnccl.so.2", NcclLibrary.NCCL_ENV, "nccl",
                Map.of(NcclLibrary.NCCL_ENV, lib.toString())));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NcclLibrary.find("libnccl.so.2",
                NcclLibrary.NCCL_ENV, "nccl", Map.of(NcclLibrary.NCCL_ENV, dir.resolve("nope").toString())));
        assertTrue(e.getMessage().contains("does not name a file"), e.getMessage());
    }

    @Test
    void pythonWheelFoldersAreSearched() {
        assertTrue(NcclLibrary.searchFolders("nccl", Map.of("VIRTUAL_ENV", "/venv")).stream().allMatch(p ->
                !p.toString().contains("nvidia") || p.toString().endsWith("nvidia/nccl/lib")));
    }

    @Test
    void onThisMachineTheBackendRefusesToStartAndSaysWhy() {
        boolean present;
        try {
            NcclLibrary.find("libnccl.so.2", NcclLibrary.NCCL_ENV, "nccl", System.getenv());
            present = true;
        } catch (IllegalStateException e) {
            present = false;
        }
        assumeTrue(!present, "libnccl.so.2 is installed here: this check is for machines without it");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NcclCollective.connect(null, 0, 1, 0, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("libnccl.so.2 not found"), e.getMessage());
    }
}
