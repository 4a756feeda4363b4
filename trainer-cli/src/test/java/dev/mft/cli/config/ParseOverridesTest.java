package dev.mft.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParseOverridesTest {

    private static String problem(String... args) {
        return assertThrows(ConfigException.class, () -> TrainConfigLoader.parseOverrides(args)).getMessage();
    }

    @Test
    void spaceAndEqualsFormsBothGiveKeyToRawText() {
        Map<String, String> overrides = TrainConfigLoader.parseOverrides(
                "--learning_rate", "1e-4", "--data_paths=[a,b]", "--output_dir=x=y", "--seed", "-1");
        assertEquals(Map.of("learning_rate", "1e-4", "data_paths", "[a,b]", "output_dir", "x=y", "seed", "-1"),
                overrides);
        assertEquals(List.of("learning_rate", "data_paths", "output_dir", "seed"), List.copyOf(overrides.keySet()));
    }

    @Test
    void bareBoolFlagMeansTrue() {
        assertEquals(Map.of("bf16", "true", "seq_length", "512"),
                TrainConfigLoader.parseOverrides("--bf16", "--seq_length", "512"));
        assertEquals(Map.of("gradient_checkpointing", "true"),
                TrainConfigLoader.parseOverrides("--gradient_checkpointing"));
    }

    @Test
    void boolFlagTakesAnExplicitTrueOrFalse() {
        assertEquals(Map.of("early_stopping", "false", "bf16", "TRUE"),
                TrainConfigLoader.parseOverrides("--early_stopping", "false", "--bf16", "TRUE"));
    }

    @Test
    void wordAfterABareBoolFlagIsAStrayArgument() {
        assertEquals("unexpected argument 'yes'; config overrides are --key value or --key=value",
                problem("--bf16", "yes"));
    }

    @Test
    void nonBoolKeyWithoutValueIsAnError() {
        assertEquals("--learning_rate needs a value (e.g. --learning_rate 5e-5)", problem("--learning_rate"));
        assertEquals("--seq_length needs a value (e.g. --seq_length 4096)", problem("--seq_length", "--bf16"));
    }

    @Test
    void unknownOptionSuggestsTheNearestAndSkipsItsValue() {
        assertEquals("unknown option '--learning_rat'; did you mean '--learning_rate'?",
                problem("--learning_rat", "1e-4"));
        assertEquals("unknown option '--lora-rank'; did you mean '--lora_rank'?", problem("--lora-rank=8"));
    }

    @Test
    void sameOptionTwiceIsAnError() {
        assertEquals("--seed is given twice; keep one", problem("--seed", "1", "--seed=2"));
    }

    @Test
    void everyProblemIsReported() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainConfigLoader.parseOverrides("stray", "--nope", "--seed"));
        assertEquals(3, e.problems().size());
    }
}
