package dev.mft.cli.config;

import static dev.mft.cli.config.ConfigFiles.problem;
import static dev.mft.cli.config.ConfigFiles.withRequired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each range rule: the message names the option, the value, what was expected, and shows an example. */
class TrainConfigValidationTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "--{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "learning_rate | 0 | --learning_rate must be > 0, found 0.0 (e.g. --learning_rate 5e-5)",
        "learning_rate | -1e-4 | --learning_rate must be > 0, found -1.0E-4 (e.g. --learning_rate 5e-5)",
        "min_lr | 1 | --min_lr must be <= learning_rate (5.0E-5), found 1.0 (e.g. --min_lr 5e-6)",
        "weight_decay | -0.1 | --weight_decay must be >= 0, found -0.1 (e.g. --weight_decay 0.01)",
        "adam_beta1 | 1 | --adam_beta1 must be in [0, 1), found 1.0 (e.g. --adam_beta1 0.9)",
        "adam_beta2 | -0.5 | --adam_beta2 must be in [0, 1), found -0.5 (e.g. --adam_beta2 0.999)",
        "adam_epsilon | 0 | --adam_epsilon must be > 0, found 0.0 (e.g. --adam_epsilon 1e-8)",
        "max_grad_norm | -1 | --max_grad_norm must be >= 0, found -1.0 (e.g. --max_grad_norm 1.0)",
        "seq_length | 0 | --seq_length must be > 0, found 0 (e.g. --seq_length 4096)",
        "model_max_length | -5 | --model_max_length must be > 0, found -5 (e.g. --model_max_length 4096)",
        "per_device_train_batch_size | 0 | --per_device_train_batch_size must be > 0, found 0"
                + " (e.g. --per_device_train_batch_size 8)",
        "per_device_eval_batch_size | 0 | --per_device_eval_batch_size must be > 0, found 0"
                + " (e.g. --per_device_eval_batch_size 8)",
        "gradient_accumulation_steps | 0 | --gradient_accumulation_steps must be > 0, found 0"
                + " (e.g. --gradient_accumulation_steps 1)",
        "num_train_epochs | 0 | --num_train_epochs must be > 0, found 0 (e.g. --num_train_epochs 4)",
        "max_train_steps | 0 | --max_train_steps must be > 0, found 0 (e.g. --max_train_steps 1000)",
        "lr_scheduler_type | cosin | --lr_scheduler_type must be one of cosine, linear, constant,"
                + " constant_with_warmup, found \"cosin\" (e.g. --lr_scheduler_type cosine)",
        "num_warmup_steps | -1 | --num_warmup_steps must be >= 0, found -1.0 (e.g. --num_warmup_steps 0.05)",
        "num_warmup_steps | 1.5 | --num_warmup_steps must be a ratio in (0, 1) or a whole number of steps,"
                + " found 1.5 (e.g. --num_warmup_steps 0.05)",
        "warmup_steps | -3 | --warmup_steps must be >= 0, found -3 (e.g. --warmup_steps 300)",
        "weighted_loss_mode | case5 | --weighted_loss_mode must be one of case1, case2, case3, case4, selfpaced,"
                + " coba, found \"case5\" (e.g. --weighted_loss_mode case3)",
        "padding_mode | concat | --padding_mode must be one of padding, pack, found \"concat\""
                + " (e.g. --padding_mode padding)",
        "attn_implementation | flash_attention_2 | --attn_implementation must be one of sdpa, eager,"
                + " found \"flash_attention_2\" (e.g. --attn_implementation sdpa)",
        "mixed_precision | fp8 | --mixed_precision must be one of no, fp16, bf16, found \"fp8\""
                + " (e.g. --mixed_precision no)",
        "device | tpu | --device must be one of auto, cpu, cuda, found \"tpu\" (e.g. --device auto)",
        "peft_type | dora | --peft_type must be one of lora, qlora, found \"dora\" (e.g. --peft_type lora)",
        "lora_rank | 0 | --lora_rank must be > 0, found 0 (e.g. --lora_rank 96)",
        "lora_r | 0 | --lora_r must be > 0, found 0 (e.g. --lora_r 96)",
        "lora_dropout | 1 | --lora_dropout must be in [0, 1), found 1.0 (e.g. --lora_dropout 0.05)",
        "target_modules | ([ | --target_modules must be a list of module names, \"all-linear\" or a valid regex"
                + " (Unclosed character class), found \"([\" (e.g. --target_modules [q_proj,v_proj])",
        "data_split | 98,2 | --data_split must be three comma-separated numbers \"train,valid,test\","
                + " found \"98,2\" (e.g. --data_split 98,2,0)",
        "data_split | 0,2,0 | --data_split must be three shares \"train,valid,test\" with train > 0 and the"
                + " others >= 0, found \"0.0,2.0,0.0\" (e.g. --data_split 98,2,0)",
        "saving_limit | 0 | --saving_limit must be > 0, found 0 (e.g. --saving_limit 3)",
        "log_interval | 0 | --log_interval must be > 0, found 0 (e.g. --log_interval 10)",
        "num_threads | -1 | --num_threads must be >= 0, found -1 (e.g. --num_threads 0)",
        "chat_template | ' ' | --chat_template must be one of mftcoder, vicuna_v1.1, yuan2, chatml, qwen, llama3,"
                + " llama3.1, mistral, tokenizer, found \" \" (e.g. --chat_template mftcoder)",
        "task_weights | [1,2,3] | --task_weights must be one weight per data_paths entry (2), found [1.0, 2.0,"
                + " 3.0] (e.g. --task_weights [1.0,2.0])",
        "task_weights | [0,0] | --task_weights must be weights with at least one > 0, found [0.0, 0.0]"
                + " (e.g. --task_weights [1.0,2.0])",
        "init_timeout_seconds | 0 | --init_timeout_seconds must be > 0, found 0"
                + " (e.g. --init_timeout_seconds 3600)",
    })
    void outOfRangeOverrideIsNamedWithValueExpectationAndExample(String key, String value, String message) {
        assertEquals(message, problem(withRequired(dir, ""), Map.of(key, value)));
    }

    @Test
    void roleMarkersNeedAllThreeRoles() {
        Path file = withRequired(dir, "\"role_markers\": {\"user\": \"U\", \"assistant\": \"A\"}");
        String message = problem(file, Map.of());
        assertEquals("'role_markers' in " + file + " must be an object with exactly the keys system, user and"
                + " assistant, found {\"user\": \"U\", \"assistant\": \"A\"}", message.substring(0,
                message.indexOf(" (e.g.")));
    }

    @Test
    void roleMarkersOnlyApplyToTheMftCoderTemplate() {
        Path file = withRequired(dir, "\"chat_template\": \"chatml\", \"role_markers\":"
                + " {\"system\": \"S\", \"user\": \"U\", \"assistant\": \"A\"}");
        String message = problem(file, Map.of());
        assertEquals("'role_markers' in " + file + " must be unset unless chat_template is \"mftcoder\"",
                message.substring(0, message.indexOf(" (found")));
    }

    @Test
    void twoTaskFoldersWithOneNameAreRefused() {
        String message = problem(withRequired(dir, ""), Map.of("data_paths", "[/x/code,/y/code]"));
        assertEquals("--data_paths must be folders with distinct names (the task name is the folder name; 'code'"
                + " appears twice), found [\"/x/code\", \"/y/code\"] (e.g. --data_paths"
                + " [data/code_exercises,data/code_qa])", message);
    }

    @Test
    void recordsBuiltInCodeGiveJsonExamples() {
        ConfigValueException e = assertThrows(ConfigValueException.class,
                () -> new ScheduleConfig(0, 8, 1, 4, OptionalInt.empty(), ScheduleConfig.LrSchedulerType.COSINE,
                        new Warmup.Steps(0)));
        assertEquals("per_device_train_batch_size must be > 0, found 0 (e.g. \"per_device_train_batch_size\": 8)",
                e.getMessage());
        assertEquals("per_device_train_batch_size", e.key());
    }

    @Test
    void ratioWarmupFloorsTheStepCount() {
        // 0.05 * 1999 = 99.95 -> 99 (MFTCoder: int(max_train_steps * ratio)).
        assertEquals(99, Warmup.of(0.05).steps(1999));
        assertEquals(List.of(1.0, 1.0, 1.0), new LossConfig(LossConfig.WeightedLossMode.CASE3, List.of(),
                new LossConfig.SelfPaced(1, 100, 1, 50), new LossConfig.Coba(100, 200, 5, 1, 1)).weightsFor(3));
    }
}
