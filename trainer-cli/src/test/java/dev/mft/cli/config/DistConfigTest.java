package dev.mft.cli.config;

import static dev.mft.cli.config.ConfigFiles.problem;
import static dev.mft.cli.config.ConfigFiles.withRequired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistConfigTest {
    @TempDir
    Path dir;

    @Test
    void zeroKeysBind() {
        TrainConfig c = ConfigFiles.load(withRequired(dir, "\"zero_stage\": 3, \"dist_backend\": \"tcp\","
                + " \"distributed_type\": \"deepspeed\", \"deepspeed\": \"ds.json\""), Map.of());
        assertEquals(OptionalInt.of(3), c.dist().zeroStage());
        assertEquals(DistConfig.Backend.TCP, c.dist().backend());
        assertEquals(Optional.of(DistConfig.DistributedType.DEEPSPEED), c.dist().distributedType());
        assertEquals(dir.resolve("ds.json"), c.dist().deepspeed().orElseThrow());
    }

    @Test
    void aStageOutsideZeroToThreeIsRefused() {
        String m = problem(withRequired(dir, ""), Map.of("zero_stage", "4"));
        assertTrue(m.startsWith("--zero_stage must be 0, 1, 2 or 3, found 4"), m);
    }

    @Test
    void ddpRefusesZeroStagesAndDeepSpeedFiles() {
        String m = problem(withRequired(dir, "\"distributed_type\": \"ddp\""), Map.of("zero_stage", "2"));
        assertTrue(m.contains("zero_stage") && m.contains("0 with distributed_type \"ddp\""), m);
        m = problem(withRequired(dir, "\"distributed_type\": \"ddp\", \"deepspeed\": \"ds.json\""), Map.of());
        assertTrue(m.contains("null with distributed_type \"ddp\""), m);
        m = problem(withRequired(dir, "\"distributed_type\": \"fsdp\""), Map.of());
        assertTrue(m.contains("must be one of ddp, deepspeed"), m);
    }
}
