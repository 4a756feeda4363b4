package dev.mft.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConfigKeysTest {

    @Test
    void editDistanceMatchesHandCountedExamples() {
        assertEquals(3, EditDistance.between("kitten", "sitting"));
        assertEquals(1, EditDistance.between("learning_rat", "learning_rate"));
        assertEquals(2, EditDistance.between("flaw", "lawn"));
        assertEquals(4, EditDistance.between("", "seed"));
        assertEquals(0, EditDistance.between("seed", "seed"));
    }

    @Test
    void suggestionIgnoresCaseAndDashes() {
        assertEquals(Optional.of("learning_rate"), ConfigKeys.suggest("Learning-Rate"));
        assertEquals(Optional.of("per_device_train_batch_size"), ConfigKeys.suggest("per_device_train_batchsize"));
        assertEquals(Optional.of("lora_target_modules"), ConfigKeys.suggest("lora_target_module"));
        assertEquals(Optional.empty(), ConfigKeys.suggest("foo"));
    }

    @Test
    void everyMftCoderKeyOfReferencesIsAccepted() {
        // REFERENCES.md "MFTCoder train-config keys", names as spelled there.
        List<String> mftCoder = List.of("data_paths", "output_dir", "tb_dir", "pretrained_model_path", "model_type",
                "load_raw_dataset", "task_weights", "data_split", "padding_mode", "tokenize_mode",
                "weighted_loss_mode", "seq_length", "shuffle_before_split", "use_random_sampler",
                "use_dynamic_padding", "role_markers", "peft_type", "quantization", "lora_rank", "lora_alpha",
                "lora_dropout", "target_modules", "per_device_train_batch_size", "per_device_eval_batch_size",
                "learning_rate", "min_lr", "weight_decay", "gradient_accumulation_steps", "lr_scheduler_type",
                "num_warmup_steps", "num_train_epochs", "max_train_steps", "seed", "resume_from_checkpoint",
                "auto_resume", "log_interval", "checkpointing_steps", "evaluation_steps", "epoch_checkpointing",
                "saving_limit", "early_stopping", "early_stopping_stall_num", "attn_implementation",
                "distributed_type", "selfpaced_interval", "selfpaced_history_length", "selfpaced_scale_factor",
                "coba_warmup_steps", "coba_history_length", "coba_tau", "coba_update_interval");
        Set<String> canonical = ConfigKeys.all().stream().map(ConfigKey::name).collect(Collectors.toSet());
        assertEquals(List.of(), mftCoder.stream().filter(k -> !canonical.contains(k)).toList());
    }

    @Test
    void fastChatNamesAreAliasesOfTheRightKeys() {
        // REFERENCES.md: model_max_length (= seq_length), warmup_ratio, save_steps, save_total_limit,
        // logging_steps, bf16, gradient_checkpointing, lora_r, lora_target_modules, q_lora.
        assertEquals("seq_length", ConfigKeys.find("model_max_length").orElseThrow().name());
        assertEquals("num_warmup_steps", ConfigKeys.find("warmup_ratio").orElseThrow().name());
        assertEquals("checkpointing_steps", ConfigKeys.find("save_steps").orElseThrow().name());
        assertEquals("saving_limit", ConfigKeys.find("save_total_limit").orElseThrow().name());
        assertEquals("log_interval", ConfigKeys.find("logging_steps").orElseThrow().name());
        assertEquals("mixed_precision", ConfigKeys.find("bf16").orElseThrow().name());
        assertEquals("gradient_checkpointing", ConfigKeys.find("gradient_checkpointing").orElseThrow().name());
        assertEquals("lora_rank", ConfigKeys.find("lora_r").orElseThrow().name());
        assertEquals("target_modules", ConfigKeys.find("lora_target_modules").orElseThrow().name());
        assertEquals("peft_type", ConfigKeys.find("q_lora").orElseThrow().name());
    }

    @Test
    void tableRejectsADefaultItsOwnTypeRefuses() {
        assertThrows(IllegalArgumentException.class,
                () -> ConfigKey.of(ConfigKey.Section.DATA, "seq_length", ValueType.INT, "\"4096\"", "x"));
        assertThrows(IllegalArgumentException.class, () -> ConfigKey.of(ConfigKey.Section.DATA, "mode",
                ValueType.STRING, "\"c\"", "x").withChoices(List.of("a", "b")));
    }
}
