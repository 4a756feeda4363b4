package dev.mft.cli.config;

import dev.mft.data.read.DataFormat;
import dev.mft.data.read.OnBadData;
import dev.mft.data.template.LossMode;
import dev.mft.data.tokenize.Truncation;
import java.util.Locale;
import java.util.Optional;

/** Maps merged key values to the {@link TrainConfig} records; the records validate what they receive. */
final class TrainConfigBinder {
    private TrainConfigBinder() {}

    static TrainConfig bind(ConfigValues v) {
        // Only "AutoTokenizer" passes the key's choices: it is accepted for MFTCoder configs and carries nothing.
        v.string("tokenizer_type");
        return new TrainConfig(
                new ModelConfig(
                        v.path("pretrained_model_path"),
                        v.string("model_type"),
                        v.choice(ModelConfig.AttnImplementation.class, "attn_implementation"),
                        v.bool("gradient_checkpointing"),
                        v.integer("loss_chunk_tokens")),
                new DataConfig(
                        v.list("data_paths"),
                        v.list("eval_data_paths"),
                        v.bool("load_raw_dataset"),
                        DataSplit.parse(v.string("data_split")),
                        v.bool("shuffle_before_split"),
                        v.bool("use_random_sampler"),
                        v.choice(DataConfig.PaddingMode.class, "padding_mode"),
                        v.bool("use_dynamic_padding"),
                        v.choice(DataConfig.TokenizeMode.class, "tokenize_mode"),
                        v.integer("seq_length"),
                        v.string("chat_template"),
                        v.map("role_markers"),
                        DataFormat.valueOf(upper(v.string("data_format"))),
                        LossMode.valueOf(upper(v.string("loss_mode"))),
                        Truncation.valueOf(upper(v.string("truncation"))),
                        OnBadData.valueOf(upper(v.string("on_bad_data"))),
                        v.bool("data_cache"),
                        v.optionalPath("data_cache_dir")),
                new LossConfig(
                        v.choice(LossConfig.WeightedLossMode.class, "weighted_loss_mode"),
                        v.list("task_weights"),
                        new LossConfig.SelfPaced(
                                v.integer("selfpaced_interval"),
                                v.integer("selfpaced_history_length"),
                                v.integer("selfpaced_sample_valid_num"),
                                v.number("selfpaced_scale_factor")),
                        new LossConfig.Coba(
                                v.integer("coba_warmup_steps"),
                                v.integer("coba_history_length"),
                                v.number("coba_tau"),
                                v.integer("coba_update_interval"),
                                v.integer("coba_sample_valid_num"))),
                new PeftConfig(
                        v.choice(PeftConfig.PeftMethod.class, "peft_type"),
                        v.choice(PeftConfig.Quantization.class, "quantization"),
                        v.integer("lora_rank"),
                        v.integer("lora_alpha"),
                        v.number("lora_dropout"),
                        v.bool("use_rslora"),
                        TargetModules.of(v.raw("target_modules"))),
                new OptimConfig(
                        v.number("learning_rate"),
                        v.number("min_lr"),
                        v.number("weight_decay"),
                        v.number("adam_beta1"),
                        v.number("adam_beta2"),
                        v.number("adam_epsilon"),
                        v.number("max_grad_norm"),
                        v.integer("max_non_finite_steps")),
                new ScheduleConfig(
                        v.integer("per_device_train_batch_size"),
                        v.integer("per_device_eval_batch_size"),
                        v.integer("gradient_accumulation_steps"),
                        v.integer("num_train_epochs"),
                        v.optionalInt("max_train_steps"),
                        v.choice(ScheduleConfig.LrSchedulerType.class, "lr_scheduler_type"),
                        Warmup.of(v.number("num_warmup_steps"))),
                new CheckpointConfig(
                        v.path("output_dir"),
                        v.integer("checkpointing_steps"),
                        v.bool("epoch_checkpointing"),
                        v.optionalInt("saving_limit"),
                        v.optionalPath("resume_from_checkpoint"),
                        v.bool("auto_resume")),
                new EvalConfig(
                        v.integer("evaluation_steps"),
                        v.bool("early_stopping"),
                        v.integer("early_stopping_stall_num")),
                new LoggingConfig(v.optionalPath("tb_dir"), v.integer("log_interval")),
                new RuntimeConfig(
                        v.choice(RuntimeConfig.Device.class, "device"),
                        v.integer("num_threads"),
                        v.choice(RuntimeConfig.MixedPrecision.class, "mixed_precision"),
                        v.integer("seed")),
                new DistConfig(
                        Optional.ofNullable(v.string("distributed_type"))
                                .map(t -> ConfigChoice.parse(DistConfig.DistributedType.class, "distributed_type", t)),
                        v.optionalInt("zero_stage"),
                        v.optionalPath("deepspeed"),
                        v.choice(DistConfig.Backend.class, "dist_backend"),
                        v.integer("init_timeout_seconds")));
    }

    /** A choice key's value (already one of its choices) as the data module's enum constant name. */
    private static String upper(String choice) {
        return choice.toUpperCase(Locale.ROOT);
    }
}
