package dev.mft.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The defaults of a config that gives only the required keys, written out literally from REFERENCES.md
 * "MFTCoder train-config keys" (and MFTCoder v0.5's MftTrainArgs for the keys REFERENCES.md names without a
 * default), plus the task brief's values for mft's own keys.
 */
class TrainConfigDefaultsTest {

    @TempDir
    Path dir;

    @Test
    void requiredKeysOnlyGiveMftCoderDefaults() {
        TrainConfig c = ConfigFiles.load(ConfigFiles.withRequired(dir, ""), Map.of());

        // REFERENCES.md: load_raw_dataset=true, task_weights=null, data_split="98,2,0", padding_mode="padding",
        // tokenize_mode="sft", weighted_loss_mode="case3", seq_length=4096, shuffle_before_split=true,
        // use_random_sampler=true, use_dynamic_padding=true, role_markers=null
        assertTrue(c.data().loadRawDataset());
        assertEquals(List.of(), c.loss().taskWeights());
        assertEquals(List.of(1.0, 1.0), c.loss().weightsFor(2));
        assertEquals(new DataSplit(98, 2, 0), c.data().dataSplit());
        assertEquals(DataConfig.PaddingMode.PADDING, c.data().paddingMode());
        assertEquals(DataConfig.TokenizeMode.SFT, c.data().tokenizeMode());
        assertEquals(LossConfig.WeightedLossMode.CASE3, c.loss().weightedLossMode());
        assertEquals(4096, c.data().seqLength());
        assertTrue(c.data().shuffleBeforeSplit());
        assertTrue(c.data().useRandomSampler());
        assertTrue(c.data().useDynamicPadding());
        assertEquals(Map.of(), c.data().roleMarkers());

        // peft_type: MFTCoder says "qlora"; the brief makes it null (= full fine-tuning). quantization="4bit",
        // lora_rank=96, lora_alpha=32, lora_dropout=0.05, target_modules=null
        assertEquals(PeftConfig.PeftMethod.FULL, c.peft().method());
        assertEquals(PeftConfig.Quantization.FOUR_BIT, c.peft().quantization());
        assertEquals(96, c.peft().loraRank());
        assertEquals(32, c.peft().loraAlpha());
        assertEquals(0.05, c.peft().loraDropout());
        assertInstanceOf(TargetModules.ModelDefault.class, c.peft().targetModules());

        // per_device_train_batch_size=8, per_device_eval_batch_size=8, learning_rate=5e-5, min_lr=5e-6,
        // weight_decay=0.01, gradient_accumulation_steps=1, lr_scheduler_type="cosine", num_train_epochs=4,
        // max_train_steps=null; num_warmup_steps: MftTrainArgs (v0.5) 0.05, a ratio
        assertEquals(8, c.schedule().perDeviceTrainBatchSize());
        assertEquals(8, c.schedule().perDeviceEvalBatchSize());
        assertEquals(5e-5, c.optim().learningRate());
        assertEquals(5e-6, c.optim().minLr());
        assertEquals(0.01, c.optim().weightDecay());
        assertEquals(1, c.schedule().gradientAccumulationSteps());
        assertEquals(ScheduleConfig.LrSchedulerType.COSINE, c.schedule().lrSchedulerType());
        assertEquals(4, c.schedule().numTrainEpochs());
        assertEquals(OptionalInt.empty(), c.schedule().maxTrainSteps());
        assertEquals(new Warmup.Ratio(0.05), c.schedule().warmup());

        // seed=1234, resume_from_checkpoint=null, auto_resume=true, log_interval=10, checkpointing_steps=100,
        // evaluation_steps=100, epoch_checkpointing=false, saving_limit=null, early_stopping=true,
        // early_stopping_stall_num=5, tb_dir optional, distributed_type null
        assertEquals(1234, c.runtime().seed());
        assertEquals(Optional.empty(), c.checkpoint().resumeFromCheckpoint());
        assertTrue(c.checkpoint().autoResume());
        assertEquals(10, c.logging().logInterval());
        assertEquals(100, c.checkpoint().checkpointingSteps());
        assertEquals(100, c.eval().evaluationSteps());
        assertFalse(c.checkpoint().epochCheckpointing());
        assertEquals(OptionalInt.empty(), c.checkpoint().savingLimit());
        assertTrue(c.eval().earlyStopping());
        assertEquals(5, c.eval().earlyStoppingStallNum());
        assertEquals(Optional.empty(), c.logging().tbDir());
        assertEquals(Optional.empty(), c.dist().distributedType());

        // selfpaced defaults 1, 100, 50; coba_warmup_steps=100, coba_history_length=200, coba_tau=5,
        // coba_update_interval=1 (and MftTrainArgs' coba_sample_valid_num=1, init_timeout_seconds=3600)
        assertEquals(new LossConfig.SelfPaced(1, 100, 1, 50.0), c.loss().selfPaced());
        assertEquals(new LossConfig.Coba(100, 200, 5.0, 1, 1), c.loss().coba());
        assertEquals(3600, c.dist().initTimeoutSeconds());

        // mft's own keys (the brief): mixed_precision "no", max_grad_norm 1.0, adam 0.9 / 0.999 / 1e-8,
        // eval_data_paths none, chat_template "mftcoder", device "auto", num_threads 0, attn "sdpa",
        // gradient_checkpointing off
        assertEquals(RuntimeConfig.MixedPrecision.NO, c.runtime().mixedPrecision());
        assertEquals(1.0, c.optim().maxGradNorm());
        assertEquals(0.9, c.optim().adamBeta1());
        assertEquals(0.999, c.optim().adamBeta2());
        assertEquals(1e-8, c.optim().adamEpsilon());
        assertEquals(List.of(), c.data().evalDataPaths());
        assertEquals("mftcoder", c.data().chatTemplate());
        assertEquals(RuntimeConfig.Device.AUTO, c.runtime().device());
        assertEquals(0, c.runtime().numThreads());
        assertEquals(ModelConfig.AttnImplementation.SDPA, c.model().attnImplementation());
        assertFalse(c.model().gradientCheckpointing());
    }

    @Test
    void everyKeyOfTheTableReachesTheRecords() {
        ConfigValues values = new ConfigValues(Map.of(
                "data_paths", List.of(Path.of("/d/a")), "output_dir", Path.of("/o"),
                "pretrained_model_path", Path.of("/m"), "model_type", "llama"));
        TrainConfigBinder.bind(values);
        List<String> unread = ConfigKeys.all().stream()
                .map(ConfigKey::name)
                .filter(name -> !values.readKeys().contains(name))
                .toList();
        assertEquals(List.of(), unread, "keys accepted by the table but never bound");
    }

    @Test
    void everyExampleOfTheTableIsAValidValue(@TempDir Path scratch) {
        // Error messages show these examples; one that the loader refuses would send users in circles.
        for (String name : ConfigKeys.allNames()) {
            ConfigKey key = ConfigKeys.find(name).orElseThrow();
            if (key.required()) {
                continue;
            }
            Path file = ConfigFiles.withRequired(scratch, "\"" + name + "\": " + ConfigKeys.exampleJson(name));
            org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> ConfigFiles.load(file, Map.of()), name);
        }
    }

    @Test
    void requiredKeysAreTheFourOfTheBrief() {
        List<String> required = ConfigKeys.all().stream().filter(ConfigKey::required).map(ConfigKey::name).toList();
        assertEquals(List.of("pretrained_model_path", "model_type", "data_paths", "output_dir"), required);
    }
}
