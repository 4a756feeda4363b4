package dev.mft.cli.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.cli.config.PeftConfig;
import dev.mft.cli.config.TrainConfig;
import dev.mft.cli.config.TrainConfigLoader;
import dev.mft.peft.lora.LoraConfig;
import dev.mft.peft.lora.TargetModules;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every example in configs/ loads, passes the up-front checks, and asks for the method its name says. */
class ShippedConfigsTest {
    private static final Path CONFIGS = Path.of(System.getProperty("mft.repo.root", "..")).resolve("configs");

    @ParameterizedTest
    @CsvSource({"demo.json,FULL", "demo_lora.json,LORA", "demo_qlora.json,QLORA", "qwen2_lora.json,LORA",
        "qwen2_qlora.json,QLORA"})
    void theExampleLoadsAndAsksForItsMethod(String file, PeftConfig.PeftMethod method) {
        TrainConfig c = TrainConfigLoader.load(CONFIGS.resolve(file), Map.of());
        Unsupported.check(c);
        assertEquals(method, c.peft().method());
        if (method != PeftConfig.PeftMethod.FULL) {
            LoraConfig lora = LoraTuning.loraConfig(c);
            assertEquals(new TargetModules.Names(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                    "up_proj", "down_proj")), lora.targets());
            assertTrue(lora.scaling() > 0);
        }
    }
}
