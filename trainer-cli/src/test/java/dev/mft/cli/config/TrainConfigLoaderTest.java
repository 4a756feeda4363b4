package dev.mft.cli.config;

import static dev.mft.cli.config.ConfigFiles.load;
import static dev.mft.cli.config.ConfigFiles.problem;
import static dev.mft.cli.config.ConfigFiles.withRequired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainConfigLoaderTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"learning_rat\": 1e-4 | unknown key 'learning_rat' in FILE; did you mean 'learning_rate'?",
        "\"zzzzzzzz\": 1 | unknown key 'zzzzzzzz' in FILE; docs/configuration.md lists the accepted keys",
        "\"seq_length\": \"4096\" | 'seq_length' in FILE must be an integer, found string \"4096\""
                + " (e.g. \"seq_length\": 4096)",
        "\"lora_rank\": 8.5 | 'lora_rank' in FILE must be an integer, found number 8.5 (e.g. \"lora_rank\": 96)",
        "\"early_stopping\": null | 'early_stopping' in FILE must be true or false, found null"
                + " (e.g. \"early_stopping\": true)",
        "\"role_markers\": [1] | 'role_markers' in FILE must be an object of strings, found list [1]"
                + " (e.g. \"role_markers\": {\"system\": \"### System:\\n\", \"user\": \"### Instruction:\\n\","
                + " \"assistant\": \"### Response:\\n\"})",
        "\"model_max_length\": 2048, \"seq_length\": 1024 | FILE sets 'seq_length' twice: as 'model_max_length'"
                + " and as 'seq_length'; keep one",
        "\"bf16\": true, \"fp16\": false | FILE sets 'mixed_precision' twice: as 'bf16' and as 'fp16'; keep one",
        "\"warmup_ratio\": 1.5 | 'warmup_ratio' in FILE must be a share in [0, 1), found 1.5"
                + " (e.g. \"warmup_ratio\": 0.03)",
        // Range rules of the records, reported against the file.
        "\"learning_rate\": -1 | 'learning_rate' in FILE must be > 0, found -1.0 (e.g. \"learning_rate\": 5e-5)",
        "\"weighted_loss_mode\": \"case1\", \"task_weights\": \"[1,2]\" | 'task_weights' in FILE must be unset"
                + " when weighted_loss_mode is \"case1\" (only case3 and case4 use task weights), found [1.0, 2.0]"
                + " (e.g. \"task_weights\": [1.0, 2.0])",
        "\"data_split\": \"100,0,0\", \"weighted_loss_mode\": \"selfpaced\" | 'weighted_loss_mode' in FILE must"
                + " be case1..case4 when there is no validation data (set a validation share in data_split, e.g."
                + " \"98,2,0\", or eval_data_paths), found \"selfpaced\" (e.g. \"weighted_loss_mode\": \"case3\")",
        "\"peft_type\": \"qlora\", \"quantization\": null | 'quantization' in FILE must be \"4bit\" when"
                + " peft_type is \"qlora\" (QLoRA stores NF4 weights), found null (e.g. \"quantization\": \"4bit\")",
    })
    void problemInTheFileNamesFileKeyValueAndExample(String extra, String message) {
        assertEquals(message, ConfigFiles.fileProblem(dir, extra));
    }

    @Test
    void unknownOverrideSuggestsTheNearestOption() {
        Path file = withRequired(dir, "");
        assertEquals("unknown option '--learning_rat'; did you mean '--learning_rate'?",
                problem(file, Map.of("learning_rat", "1e-4")));
    }

    @Test
    void listWithANonStringEntryNamesTheIndex() {
        Path file = ConfigFiles.write(dir.resolve("t.json"), "{\"data_paths\": [\"a\", 3], \"output_dir\": \"o\","
                + " \"pretrained_model_path\": \"m\", \"model_type\": \"llama\"}");
        assertEquals("'data_paths' in " + file + " must be a list of paths or a \"[a,b]\" string, found number 3"
                + " at index 1 (e.g. \"data_paths\": [\"data/code_exercises\", \"data/code_qa\"])",
                problem(file, Map.of()));
    }

    @Test
    void missingRequiredKeysAreListedTogether() {
        Path file = ConfigFiles.write(dir.resolve("t.json"), "{\"model_type\": \"llama\", \"data_paths\": \"a\"}");
        String message = problem(file, Map.of());
        assertTrue(message.startsWith("missing required key(s) pretrained_model_path, output_dir in " + file),
                message);
        assertTrue(message.contains("\"output_dir\": \"runs/qwen2-sft\""), message);
    }

    @Test
    void requiredKeyMayComeFromTheCommandLine() {
        Path file = ConfigFiles.write(dir.resolve("t.json"),
                "{\"model_type\": \"llama\", \"data_paths\": \"a\", \"pretrained_model_path\": \"m\"}");
        TrainConfig config = load(file, Map.of("output_dir", "out"));
        assertEquals(dir.resolve("out"), config.checkpoint().outputDir());
    }

    @Test
    void aliasAndCanonicalNameOnTheCommandLineIsAnError() {
        Path file = withRequired(dir, "");
        Map<String, String> overrides = new java.util.LinkedHashMap<>();
        overrides.put("bf16", "true");
        overrides.put("mixed_precision", "fp16");
        assertEquals("the command line sets 'mixed_precision' twice: as --bf16 and as --mixed_precision; keep one",
                problem(file, overrides));
    }

    @Test
    void duplicateJsonFieldIsAnError() {
        Path file = withRequired(dir, "\"seed\": 1, \"seed\": 2");
        String message = problem(file, Map.of());
        assertTrue(message.startsWith(file + " line 1, column "), message);
        assertTrue(message.contains("Duplicate field 'seed'"), message);
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        Path file = ConfigFiles.write(dir.resolve("t.json"), "{\n  \"seed\": 1,\n  \"seq_length\": 4096,,\n}");
        assertTrue(problem(file, Map.of()).startsWith(file + " line 3, column 22: invalid JSON"));
    }

    @Test
    void topLevelListIsRefused() {
        Path file = ConfigFiles.write(dir.resolve("t.json"), "[1, 2]");
        assertEquals(file + ": a train config is a JSON object {...}, found list [1,2]", problem(file, Map.of()));
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("nope.json");
        assertEquals("train config not found: " + file.toAbsolutePath(), problem(file, Map.of()));
    }

    @Test
    void allProblemsOfAFileAreReportedTogether() {
        Path file = withRequired(dir, "\"learning_rat\": 1, \"seed\": \"x\"");
        ConfigException e = assertThrows(ConfigException.class, () -> load(file, Map.of()));
        assertEquals(2, e.problems().size());
        assertTrue(e.getMessage().startsWith("2 problems in the train config:\n  - unknown key 'learning_rat'"));
    }

    @Test
    void dataPathsAcceptMftCoderListString() {
        Path file = ConfigFiles.write(dir.resolve("cfg/t.json"), "{\"data_paths\": \"[data/a, data/b]\","
                + " \"output_dir\": \"o\", \"pretrained_model_path\": \"m\", \"model_type\": \"llama\"}");
        TrainConfig config = load(file, Map.of());
        assertEquals(List.of(dir.resolve("cfg/data/a"), dir.resolve("cfg/data/b")), config.data().dataPaths());
        assertEquals(List.of("a", "b"), config.data().taskNames());
    }

    @Test
    void dataPathsAcceptOnePathString() {
        Path file = ConfigFiles.write(dir.resolve("t.json"), "{\"data_paths\": \"/data/code\","
                + " \"output_dir\": \"o\", \"pretrained_model_path\": \"m\", \"model_type\": \"llama\"}");
        assertEquals(List.of(Path.of("/data/code")), load(file, Map.of()).data().dataPaths());
    }

    @Test
    void dataPathsAcceptQuotedEntriesInTheListString() {
        Path file = withRequired(dir, "");
        TrainConfig config = load(file, Map.of("data_paths", "[\"/x/a\", '/x/b']"));
        assertEquals(List.of(Path.of("/x/a"), Path.of("/x/b")), config.data().dataPaths());
    }

    @Test
    void emptyEntryInTheListStringIsATypeError() {
        Path file = withRequired(dir, "");
        assertEquals("--data_paths must be a list of paths or a \"[a,b]\" string without empty entries,"
                + " found \"[a,,b]\" (e.g. --data_paths [data/code_exercises,data/code_qa])",
                problem(file, Map.of("data_paths", "[a,,b]")));
    }

    @Test
    void relativePathsInTheFileResolveAgainstItsFolder() {
        Path file = ConfigFiles.write(dir.resolve("configs/run.json"), "{\"data_paths\": [\"../data/a\"],"
                + " \"output_dir\": \"out\", \"pretrained_model_path\": \"/abs/model\", \"model_type\": \"llama\","
                + " \"tb_dir\": \"tb\", \"resume_from_checkpoint\": \"out/step_10\"}");
        TrainConfig config = TrainConfigLoader.load(file, Map.of(), Path.of("/elsewhere"));
        assertEquals(List.of(dir.resolve("data/a")), config.data().dataPaths());
        assertEquals(dir.resolve("configs/out"), config.checkpoint().outputDir());
        assertEquals(Path.of("/abs/model"), config.model().pretrainedModelPath());
        assertEquals(dir.resolve("configs/tb"), config.logging().tbDir().orElseThrow());
        assertEquals(dir.resolve("configs/out/step_10"), config.checkpoint().resumeFromCheckpoint().orElseThrow());
    }

    @Test
    void relativePathsInOverridesResolveAgainstTheWorkingDirectory() {
        Path file = withRequired(dir.resolve("configs"), "");
        TrainConfig config = TrainConfigLoader.load(file,
                Map.of("output_dir", "runs/x", "data_paths", "[d1,d2]"), Path.of("/work/here"));
        assertEquals(Path.of("/work/here/runs/x"), config.checkpoint().outputDir());
        assertEquals(List.of(Path.of("/work/here/d1"), Path.of("/work/here/d2")), config.data().dataPaths());
        assertEquals(dir.resolve("configs/model"), config.model().pretrainedModelPath());
    }

    @Test
    void overridesWinOverTheFileWhateverNameEitherUses() {
        Path file = withRequired(dir, "\"model_max_length\": 2048, \"learning_rate\": 1e-5");
        TrainConfig config = load(file, Map.of("seq_length", "512", "learning_rate", "1e-4"));
        assertEquals(512, config.data().seqLength());
        assertEquals(1e-4, config.optim().learningRate());
    }

    @Test
    void overridesParseByTheKeysType() {
        Path file = withRequired(dir, "");
        TrainConfig config = load(file, Map.of(
                "per_device_train_batch_size", "2",
                "weight_decay", "0.1",
                "early_stopping", "false",
                "task_weights", "[1, 2.5]",
                "role_markers", "{\"system\": \"S:\", \"user\": \"U:\", \"assistant\": \"A:\"}",
                "lr_scheduler_type", "linear",
                "peft_type", "lora",
                "max_train_steps", "50"));
        assertEquals(2, config.schedule().perDeviceTrainBatchSize());
        assertEquals(0.1, config.optim().weightDecay());
        assertEquals(false, config.eval().earlyStopping());
        assertEquals(List.of(1.0, 2.5), config.loss().taskWeights());
        assertEquals(Map.of("system", "S:", "user", "U:", "assistant", "A:"), config.data().roleMarkers());
        assertEquals(ScheduleConfig.LrSchedulerType.LINEAR, config.schedule().lrSchedulerType());
        assertEquals(PeftConfig.PeftMethod.LORA, config.peft().method());
        assertEquals(50, config.schedule().maxTrainSteps().orElseThrow());
    }

    @Test
    void nullOverrideClearsANullableKey() {
        Path file = withRequired(dir, "\"peft_type\": \"lora\", \"saving_limit\": 3");
        TrainConfig config = load(file, Map.of("peft_type", "null", "saving_limit", "null"));
        assertEquals(PeftConfig.PeftMethod.FULL, config.peft().method());
        assertTrue(config.checkpoint().savingLimit().isEmpty());
    }

    @Test
    void badOverrideNamesTheOptionWithAnOptionExample() {
        Path file = withRequired(dir, "");
        assertEquals("--learning_rate must be a number, found \"fast\" (e.g. --learning_rate 5e-5)",
                problem(file, Map.of("learning_rate", "fast")));
        assertEquals("--bf16 must be true or false, found \"yes\" (e.g. --bf16 true)",
                problem(file, Map.of("bf16", "yes")));
        assertEquals("--seq_length must be an integer, found \"4k\" (e.g. --seq_length 4096)",
                problem(file, Map.of("seq_length", "4k")));
    }

    @Test
    void numbersOnTheCommandLineAreJsonNumbersOnly() {
        Path file = withRequired(dir, "");
        // Java's parseDouble would take these; a config number would not.
        for (String odd : List.of("1e-4f", "NaN", "Infinity", "0x1p3")) {
            assertTrue(problem(file, Map.of("learning_rate", odd)).startsWith("--learning_rate must be a number"),
                    odd);
        }
    }

    @Test
    void renameAliasesSetTheirCanonicalKey() {
        Path file = ConfigFiles.write(dir.resolve("t.json"), "{\"data_path\": [\"a\"], \"output_dir\": \"o\","
                + " \"model_type\": \"llama\", \"model_name_or_path\": \"/m2\", \"model_max_length\": 1024,"
                + " \"save_steps\": 50, \"save_total_limit\": 2, \"logging_steps\": 5, \"lora_r\": 16,"
                + " \"lora_target_modules\": [\"q_proj\", \"v_proj\"], \"max_steps\": 7, \"eval_steps\": 20,"
                + " \"eval_data_path\": \"/e\"}");
        TrainConfig config = load(file, Map.of());
        assertEquals(1024, config.data().seqLength());
        assertEquals(50, config.checkpoint().checkpointingSteps());
        assertEquals(2, config.checkpoint().savingLimit().orElseThrow());
        assertEquals(5, config.logging().logInterval());
        assertEquals(16, config.peft().loraRank());
        assertEquals(new TargetModules.Names(List.of("q_proj", "v_proj")), config.peft().targetModules());
        assertEquals(Path.of("/m2"), config.model().pretrainedModelPath());
        assertEquals(7, config.schedule().maxTrainSteps().orElseThrow());
        assertEquals(20, config.eval().evaluationSteps());
        assertEquals(List.of(dir.resolve("a")), config.data().dataPaths());
        assertEquals(List.of(Path.of("/e")), config.data().evalDataPaths());
    }

    @Test
    void warmupRatioBecomesARatioWarmup() {
        TrainConfig config = load(withRequired(dir, "\"warmup_ratio\": 0.03"), Map.of());
        assertEquals(new Warmup.Ratio(0.03), config.schedule().warmup());
        assertEquals(3, config.schedule().warmup().steps(100));
    }

    @Test
    void warmupStepsBecomesAStepCount() {
        TrainConfig config = load(withRequired(dir, "\"warmup_steps\": 300"), Map.of());
        assertEquals(new Warmup.Steps(300), config.schedule().warmup());
    }

    @Test
    void numWarmupStepsBelowOneIsARatioAndAboveIsACount() {
        assertEquals(new Warmup.Ratio(0.5),
                load(withRequired(dir, "\"num_warmup_steps\": 0.5"), Map.of()).schedule().warmup());
        assertEquals(new Warmup.Steps(300),
                load(withRequired(dir, "\"num_warmup_steps\": 300"), Map.of()).schedule().warmup());
        assertEquals(new Warmup.Steps(0),
                load(withRequired(dir, "\"num_warmup_steps\": 0"), Map.of()).schedule().warmup());
    }

    @Test
    void qLoraTrueMeansPeftTypeQlora() {
        TrainConfig config = load(withRequired(dir, "\"q_lora\": true"), Map.of());
        assertEquals(PeftConfig.PeftMethod.QLORA, config.peft().method());
        assertEquals(PeftConfig.Quantization.FOUR_BIT, config.peft().quantization());
    }

    @Test
    void qLoraFalseIsRefusedBecauseItChoosesNothing() {
        Path file = withRequired(dir, "\"q_lora\": false");
        assertTrue(problem(file, Map.of()).startsWith("'q_lora' in " + file + " must be true (for q_lora false,"
                + " set peft_type to \"lora\" or null for full fine-tuning), found false"));
    }

    @Test
    void bf16AndFp16FlagsSetMixedPrecision() {
        assertEquals(RuntimeConfig.MixedPrecision.BF16,
                load(withRequired(dir, "\"bf16\": true"), Map.of()).runtime().mixedPrecision());
        assertEquals(RuntimeConfig.MixedPrecision.FP16,
                load(withRequired(dir, ""), Map.of("fp16", "true")).runtime().mixedPrecision());
        assertEquals(RuntimeConfig.MixedPrecision.NO,
                load(withRequired(dir, "\"mixed_precision\": \"bf16\""), Map.of("bf16", "false"))
                        .runtime().mixedPrecision());
    }

    @Test
    void gradientCheckpointingIsABool() {
        assertTrue(load(withRequired(dir, "\"gradient_checkpointing\": true"), Map.of())
                .model().gradientCheckpointing());
    }

    @Test
    void targetModulesStringIsARegexOrAllLinear() {
        assertEquals(new TargetModules.AllLinear(),
                load(withRequired(dir, "\"target_modules\": \"all-linear\""), Map.of()).peft().targetModules());
        assertEquals(new TargetModules.Regex(".*\\.(q|v)_proj"),
                load(withRequired(dir, "\"target_modules\": \".*\\\\.(q|v)_proj\""), Map.of()).peft().targetModules());
        assertEquals(new TargetModules.Names(List.of("q_proj", "v_proj")),
                load(withRequired(dir, ""), Map.of("target_modules", "[q_proj,v_proj]")).peft().targetModules());
    }

    @Test
    void mftCoderStyleConfigLoads() {
        // The keys and value shapes of MFTCoder's shipped qlora config (values of our own), minus attn
        // "flash_attention_2", which mft refuses (see docs/configuration.md).
        Path file = ConfigFiles.write(dir.resolve("mft.json"), """
                {
                    "data_paths": "[data/code_a,data/code_b]",
                    "output_dir": "out",
                    "tb_dir": "out/tb",
                    "pretrained_model_path": "model",
                    "model_type": "qwen2",
                    "load_raw_dataset": true,
                    "data_split": "95,5,0",
                    "padding_mode": "pack",
                    "use_dynamic_padding": true,
                    "tokenize_mode": "sft",
                    "tokenizer_type": "AutoTokenizer",
                    "weighted_loss_mode": "coba",
                    "coba_warmup_steps": 10,
                    "coba_history_length": 20,
                    "coba_tau": 3,
                    "coba_update_interval": 2,
                    "coba_sample_valid_num": 1,
                    "seq_length": 2048,
                    "seed": 42,
                    "peft_type": "qlora",
                    "quantization": "4bit",
                    "lora_rank": 64,
                    "lora_alpha": 16,
                    "lora_dropout": 0.1,
                    "per_device_train_batch_size": 2,
                    "per_device_eval_batch_size": 2,
                    "learning_rate": 2e-4,
                    "min_lr": 2e-5,
                    "weight_decay": 0.1,
                    "gradient_accumulation_steps": 4,
                    "lr_scheduler_type": "cosine",
                    "num_warmup_steps": 30,
                    "num_train_epochs": 2,
                    "resume_from_checkpoint": null,
                    "log_interval": 5,
                    "checkpointing_steps": 50,
                    "evaluation_steps": 50,
                    "max_train_steps": null,
                    "epoch_checkpointing": true,
                    "shuffle_before_split": true,
                    "early_stopping": true,
                    "early_stopping_stall_num": 3,
                    "saving_limit": null
                }
                """);
        TrainConfig config = load(file, Map.of());
        assertEquals(List.of("code_a", "code_b"), config.data().taskNames());
        assertEquals(new DataSplit(95, 5, 0), config.data().dataSplit());
        assertEquals(LossConfig.WeightedLossMode.COBA, config.loss().weightedLossMode());
        assertEquals(new LossConfig.Coba(10, 20, 3.0, 2, 1), config.loss().coba());
        assertEquals(PeftConfig.PeftMethod.QLORA, config.peft().method());
        assertEquals(new Warmup.Steps(30), config.schedule().warmup());
        assertEquals(4, config.schedule().gradientAccumulationSteps());
        assertEquals(dir.resolve("out/tb"), config.logging().tbDir().orElseThrow());
    }
}
