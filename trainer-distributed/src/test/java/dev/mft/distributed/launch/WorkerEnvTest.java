package dev.mft.distributed.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkerEnvTest {

    @Test
    void withoutWorldSizeItIsASingleWorker() {
        assertEquals(WorkerEnv.single(), WorkerEnv.from(Map.of("RANK", "3")));
    }

    @Test
    void torchrunsRunIdIsUsedWhenMftsIsAbsent() {
        WorkerEnv w = WorkerEnv.from(Map.of("WORLD_SIZE", "2", "RANK", "1", "TORCHELASTIC_RUN_ID", "none"));
        assertEquals("none", w.runId());
        assertEquals(1, w.localRank()); // LOCAL_WORLD_SIZE defaults to WORLD_SIZE
        assertEquals("127.0.0.1", w.masterAddr());
        assertEquals(29500, w.masterPort());
    }

    @Test
    void badValuesNameTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorkerEnv.from(Map.of("WORLD_SIZE", "2", "RANK", "2")));
        assertTrue(e.getMessage().contains("RANK=2 and WORLD_SIZE=2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WorkerEnv.from(Map.of("WORLD_SIZE", "2")));
        assertTrue(e.getMessage().contains("RANK must be too"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> WorkerEnv.from(Map.of("WORLD_SIZE", "2", "RANK", "0", "MASTER_PORT", "x")));
        assertTrue(e.getMessage().contains("MASTER_PORT=x is not an integer"), e.getMessage());
    }

    @Test
    void launchOptionsRefuseWhatTorchrunWould() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LaunchOptions(2, 2, 2, "a", 29500, 0, Optional.empty(), List.of("train")));
        assertTrue(e.getMessage().contains("--node_rank must be in 0..1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new LaunchOptions(2, 1, 0, "a", 29500, 0, Optional.empty(), List.of()));
        assertTrue(e.getMessage().contains("after '--'"), e.getMessage());
    }
}
