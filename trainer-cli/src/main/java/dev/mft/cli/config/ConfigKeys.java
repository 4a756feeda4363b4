package dev.mft.cli.config;

import static dev.mft.cli.config.ConfigKey.Section.CHECKPOINT;
import static dev.mft.cli.config.ConfigKey.Section.DATA;
import static dev.mft.cli.config.ConfigKey.Section.DISTRIBUTED;
import static dev.mft.cli.config.ConfigKey.Section.EVAL;
import static dev.mft.cli.config.ConfigKey.Section.LOGGING;
import static dev.mft.cli.config.ConfigKey.Section.LOSS;
import static dev.mft.cli.config.ConfigKey.Section.MODEL;
import static dev.mft.cli.config.ConfigKey.Section.OPTIM;
import static dev.mft.cli.config.ConfigKey.Section.PEFT;
import static dev.mft.cli.config.ConfigKey.Section.RUNTIME;
import static dev.mft.cli.config.ConfigKey.Section.SCHEDULE;
import static dev.mft.cli.config.ValueType.BOOL;
import static dev.mft.cli.config.ValueType.DOUBLE;
import static dev.mft.cli.config.ValueType.DOUBLE_LIST;
import static dev.mft.cli.config.ValueType.INT;
import static dev.mft.cli.config.ValueType.NAMES_OR_STRING;
import static dev.mft.cli.config.ValueType.PATH;
import static dev.mft.cli.config.ValueType.PATH_LIST;
import static dev.mft.cli.config.ValueType.STRING;
import static dev.mft.cli.config.ValueType.STRING_MAP;

import dev.mft.data.template.TemplateName;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every accepted train-config key: MFTCoder's keys with MFTCoder's defaults (except {@code peft_type}, see the
 * reference), the FastChat / HF names users also type as aliases, and mft's own keys.
 */
public final class ConfigKeys {

    private static final List<ConfigKey> ALL = List.of(
            // Model
            ConfigKey.required(MODEL, "pretrained_model_path", PATH, "\"models/Qwen2.5-0.5B\"",
                            "Local HuggingFace model folder (config.json, *.safetensors, tokenizer.json).")
                    .withAliases(Alias.rename("model_name_or_path", PATH)),
            ConfigKey.required(MODEL, "model_type", STRING, "\"qwen2\"",
                    "Model family as MFTCoder names it, e.g. llama, mistral, qwen2."),
            ConfigKey.of(MODEL, "tokenizer_type", STRING, "\"AutoTokenizer\"",
                            "Accepted so MFTCoder configs load; the tokenizer is always read from the model folder.")
                    .withChoices(List.of("AutoTokenizer")),
            ConfigKey.of(MODEL, "attn_implementation", STRING, "\"sdpa\"",
                            "Attention kernel: sdpa lets torch pick flash / memory-efficient kernels; eager is the "
                                    + "plain reference.")
                    .withChoices(ConfigChoice.names(ModelConfig.AttnImplementation.class)),
            ConfigKey.of(MODEL, "gradient_checkpointing", BOOL, "false",
                    "Recompute activations during backward to save memory."),
            ConfigKey.of(MODEL, "loss_chunk_tokens", INT, "0",
                    "Run the lm_head and the loss this many trained tokens at a time (untrained positions get no "
                            + "logits), each chunk's logits freed after its backward: the [tokens, vocab] logits are "
                            + "the memory peak of large-vocabulary models. "
                            + "0 = auto (chunks of at most the last-level cache's size in logits on the CPU, within "
                            + "16-64 MiB, 32 MiB where unknown; 1 GiB on a GPU; when a "
                            + "micro-batch's are larger, else one chunk); the head's backward is written out "
                            + "(the softmax gradient made in place, the head weight's gradient added by one matmul). "
                            + "-1 = the whole micro-batch at once through plain autograd. Same loss and gradients up "
                            + "to summation order; applies on one device, with one task, without "
                            + "gradient_checkpointing."),
            // Data
            ConfigKey.required(DATA, "data_paths", PATH_LIST, "[\"data/code_exercises\", \"data/code_qa\"]",
                            "One entry per task: a data file, or a folder whose `**/*.jsonl` and `**/*.json` files all "
                                    + "belong to the task; the task is named after the entry's last path component.")
                    .withAliases(Alias.rename("data_path", PATH_LIST)),
            ConfigKey.of(DATA, "eval_data_paths", PATH_LIST, "null",
                            "Separate evaluation data, one folder per task; null = the validation share of "
                                    + "data_split.")
                    .withAliases(Alias.rename("eval_data_path", PATH_LIST))
                    .withExample("[\"data/code_exercises_eval\"]"),
            ConfigKey.of(DATA, "load_raw_dataset", BOOL, "true",
                    "Read raw JSONL (MFTCoder's alternative is a pre-tokenized binary dataset)."),
            ConfigKey.of(DATA, "data_split", STRING, "\"98,2,0\"",
                    "Train, validation and test shares of each task, \"train,valid,test\" (normalized by their sum)."),
            ConfigKey.of(DATA, "shuffle_before_split", BOOL, "true", "Shuffle each task's samples before splitting."),
            ConfigKey.of(DATA, "use_random_sampler", BOOL, "true", "Visit training rows in random order."),
            ConfigKey.of(DATA, "padding_mode", STRING, "\"padding\"",
                            "padding: one sample per row; pack: several samples per row, each attending only to "
                                    + "itself.")
                    .withChoices(ConfigChoice.names(DataConfig.PaddingMode.class)),
            ConfigKey.of(DATA, "use_dynamic_padding", BOOL, "true",
                    "Pad each batch to its longest row rather than to seq_length."),
            ConfigKey.of(DATA, "tokenize_mode", STRING, "\"sft\"",
                            "sft: train on assistant replies only; sst: train on every token.")
                    .withChoices(ConfigChoice.names(DataConfig.TokenizeMode.class)),
            ConfigKey.of(DATA, "seq_length", INT, "4096", "Longest row in tokens.")
                    .withAliases(Alias.rename("model_max_length", INT)),
            ConfigKey.of(DATA, "data_format", STRING, "\"auto\"",
                            "Record shape of the data files; auto detects it per file (chat_rounds: mftcoder,"
                                    + " conversations: fastchat, instruction/output: alpaca, prompt/answer and"
                                    + " MFTCoder's other single-turn pairs: mftcoder).")
                    .withChoices(List.of("auto", "mftcoder", "fastchat", "alpaca")),
            ConfigKey.of(DATA, "chat_template", STRING, "\"mftcoder\"",
                            "Template that renders conversations: a built-in one (mftcoder is MFTCoder's default, qwen"
                                    + " is chatml with Qwen2.5's default system message, llama3.1 adds Llama 3.1's"
                                    + " system header) or tokenizer, the model's own Jinja chat_template from"
                                    + " tokenizer_config.json.")
                    .withChoices(TemplateName.configNames()),
            ConfigKey.of(DATA, "role_markers", STRING_MAP, "null",
                            "Replaces the mftcoder template's three role markers; null = its own.")
                    .withExample("{\"system\": \"### System:\\n\", \"user\": \"### Instruction:\\n\", "
                            + "\"assistant\": \"### Response:\\n\"}"),
            ConfigKey.of(DATA, "loss_mode", STRING, "\"efficient\"",
                            "Which replies of a multi-turn conversation are trained: efficient, every reply;"
                                    + " last_response, only the last; split_example, one example per reply (turns up"
                                    + " to it, trained on it). FastChat's boolean flags are aliases: exactly one may"
                                    + " be true.")
                    .withChoices(List.of("efficient", "last_response", "split_example"))
                    .withAliases(Alias.flag("efficient_loss", "efficient"),
                            Alias.flag("last_response_loss", "last_response"),
                            Alias.flag("split_example_loss", "split_example")),
            ConfigKey.of(DATA, "truncation", STRING, "\"drop\"",
                            "Examples longer than seq_length: drop them (MFTCoder), or keep their last (left) or"
                                    + " first (right) seq_length tokens; either way they are counted and reported.")
                    .withChoices(List.of("drop", "left", "right")),
            ConfigKey.of(DATA, "on_bad_data", STRING, "\"fail\"",
                            "A malformed JSON line, unknown role, two turns of one role in a row, an empty"
                                    + " conversation or one without a reply: fail at the first, naming file and line;"
                                    + " or skip them and report how many of each kind.")
                    .withChoices(List.of("fail", "skip")),
            ConfigKey.of(DATA, "data_cache", BOOL, "true",
                    "Keep the tokenized dataset on disk, keyed by the data files' contents, the tokenizer and every"
                            + " data setting, so the next run with the same inputs skips tokenization."),
            ConfigKey.of(DATA, "data_cache_dir", PATH, "null",
                            "Folder of the dataset cache; null = $XDG_CACHE_HOME/mft/datasets (~/.cache/mft/datasets).")
                    .withExample("\"/scratch/mft-cache\""),
            // Multi-task loss
            ConfigKey.of(LOSS, "weighted_loss_mode", STRING, "\"case3\"",
                            "How token losses of a batch combine across tasks; case3 weights each task's mean "
                                    + "loss by task_weights.")
                    .withChoices(ConfigChoice.names(LossConfig.WeightedLossMode.class)),
            ConfigKey.of(LOSS, "task_weights", DOUBLE_LIST, "null",
                            "One loss weight per data_paths entry (case3 and case4 only); null = all 1.")
                    .withExample("[1.0, 2.0]"),
            ConfigKey.of(LOSS, "selfpaced_interval", INT, "1", "selfpaced: optimizer steps between weight updates."),
            ConfigKey.of(LOSS, "selfpaced_history_length", INT, "100",
                    "selfpaced: validation-loss points the slope is fitted over."),
            ConfigKey.of(LOSS, "selfpaced_sample_valid_num", INT, "1",
                    "selfpaced: validation batches sampled per update."),
            ConfigKey.of(LOSS, "selfpaced_scale_factor", DOUBLE, "50", "selfpaced: softmax sharpness of the weights."),
            ConfigKey.of(LOSS, "coba_warmup_steps", INT, "100", "coba: steps before the weights start to adapt."),
            ConfigKey.of(LOSS, "coba_history_length", INT, "200",
                    "coba: validation-loss points the slopes are fitted over."),
            ConfigKey.of(LOSS, "coba_tau", DOUBLE, "5", "coba: temperature of the divergence factor."),
            ConfigKey.of(LOSS, "coba_update_interval", INT, "1", "coba: optimizer steps between weight updates."),
            ConfigKey.of(LOSS, "coba_sample_valid_num", INT, "1", "coba: validation batches sampled per update."),
            // PEFT
            ConfigKey.of(PEFT, "peft_type", STRING, "null",
                            "lora, or qlora (LoRA over NF4 base weights); null = full fine-tuning (MFTCoder's default is qlora).")
                    .withChoices(ConfigChoice.names(PeftConfig.PeftMethod.class))
                    .withAliases(new Alias("q_lora", BOOL, ConfigKeys::qLora, "true -> \"qlora\"", "true"))
                    .withExample("\"lora\""),
            ConfigKey.of(PEFT, "quantization", STRING, "\"4bit\"",
                            "Storage of the frozen base weights under qlora (4bit = NF4); null = none.")
                    .withChoices(ConfigChoice.names(PeftConfig.Quantization.class))
                    .withNull(),
            ConfigKey.of(PEFT, "lora_rank", INT, "96", "LoRA rank r.")
                    .withAliases(Alias.rename("lora_r", INT)),
            ConfigKey.of(PEFT, "lora_alpha", INT, "32", "LoRA scaling numerator: scaling = lora_alpha / lora_rank."),
            ConfigKey.of(PEFT, "lora_dropout", DOUBLE, "0.05", "Dropout on the LoRA input, in [0, 1)."),
            ConfigKey.of(PEFT, "use_rslora", BOOL, "false",
                    "Rank-stabilized LoRA: scale the adapter by lora_alpha / sqrt(lora_rank) instead of / lora_rank."),
            ConfigKey.of(PEFT, "target_modules", NAMES_OR_STRING, "null",
                            "Layers that get adapters: a list of names, \"all-linear\", or a regex over full module "
                                    + "names; null = the model family's default.")
                    .withAliases(Alias.rename("lora_target_modules", NAMES_OR_STRING))
                    .withExample("[\"q_proj\", \"v_proj\"]"),
            // Optimizer
            ConfigKey.of(OPTIM, "learning_rate", DOUBLE, "5e-5", "Peak learning rate."),
            ConfigKey.of(OPTIM, "min_lr", DOUBLE, "5e-6", "Floor of the decaying schedules."),
            ConfigKey.of(OPTIM, "weight_decay", DOUBLE, "0.01", "AdamW decoupled weight decay."),
            ConfigKey.of(OPTIM, "adam_beta1", DOUBLE, "0.9", "AdamW first-moment decay, in [0, 1)."),
            ConfigKey.of(OPTIM, "adam_beta2", DOUBLE, "0.999", "AdamW second-moment decay, in [0, 1)."),
            ConfigKey.of(OPTIM, "adam_epsilon", DOUBLE, "1e-8", "AdamW denominator term."),
            ConfigKey.of(OPTIM, "max_grad_norm", DOUBLE, "1.0", "Clip the global gradient norm to this; 0 = no clipping."),
            ConfigKey.of(OPTIM, "max_non_finite_steps", INT, "5",
                    "A step with a NaN/Inf loss or gradient norm is skipped (no update); this many in a row stop the run."),
            // Batches and schedule
            ConfigKey.of(SCHEDULE, "per_device_train_batch_size", INT, "8", "Rows per micro-batch per device."),
            ConfigKey.of(SCHEDULE, "per_device_eval_batch_size", INT, "8", "Rows per evaluation batch per device."),
            ConfigKey.of(SCHEDULE, "gradient_accumulation_steps", INT, "1", "Micro-batches per optimizer step."),
            ConfigKey.of(SCHEDULE, "num_train_epochs", INT, "4", "Passes over the training data."),
            ConfigKey.of(SCHEDULE, "max_train_steps", INT, "null",
                            "Optimizer steps to run; null = num_train_epochs worth.")
                    .withAliases(Alias.rename("max_steps", INT))
                    .withExample("1000"),
            ConfigKey.of(SCHEDULE, "lr_scheduler_type", STRING, "\"cosine\"",
                            "Learning-rate curve after warmup, decaying to min_lr; constant has no warmup.")
                    .withChoices(ConfigChoice.names(ScheduleConfig.LrSchedulerType.class)),
            ConfigKey.of(SCHEDULE, "num_warmup_steps", DOUBLE, "0.05",
                            "Linear warmup: a value in (0, 1) is a share of all optimizer steps, 0 or a whole "
                                    + "number >= 1 a step count.")
                    .withAliases(
                            new Alias("warmup_ratio", DOUBLE, ConfigKeys::warmupRatio, "a share in [0, 1)", "0.03"),
                            new Alias("warmup_steps", INT, ConfigKeys::warmupSteps, "a step count", "300")),
            // Checkpoints
            ConfigKey.required(CHECKPOINT, "output_dir", PATH, "\"runs/qwen2-sft\"",
                    "Folder for checkpoints and the final model or adapter."),
            ConfigKey.of(CHECKPOINT, "checkpointing_steps", INT, "100", "Optimizer steps between checkpoints.")
                    .withAliases(Alias.rename("save_steps", INT)),
            ConfigKey.of(CHECKPOINT, "epoch_checkpointing", BOOL, "false", "Also checkpoint at every epoch's end."),
            ConfigKey.of(CHECKPOINT, "saving_limit", INT, "null", "Keep at most this many checkpoints; null = all.")
                    .withAliases(Alias.rename("save_total_limit", INT))
                    .withExample("3"),
            ConfigKey.of(CHECKPOINT, "resume_from_checkpoint", PATH, "null",
                            "Checkpoint folder to resume from; null = see auto_resume.")
                    .withExample("\"runs/qwen2-sft/step_100\""),
            ConfigKey.of(CHECKPOINT, "auto_resume", BOOL, "true",
                    "Resume from the newest checkpoint in output_dir when there is one."),
            // Evaluation
            ConfigKey.of(EVAL, "evaluation_steps", INT, "100", "Optimizer steps between validation-loss evaluations.")
                    .withAliases(Alias.rename("eval_steps", INT)),
            ConfigKey.of(EVAL, "early_stopping", BOOL, "true",
                    "Stop when the validation loss has not improved for early_stopping_stall_num evaluations."),
            ConfigKey.of(EVAL, "early_stopping_stall_num", INT, "5", "Evaluations without improvement that end the run."),
            // Logging
            ConfigKey.of(LOGGING, "tb_dir", PATH, "null", "Folder for TensorBoard event files; null = none.")
                    .withExample("\"runs/qwen2-sft/tb\""),
            ConfigKey.of(LOGGING, "log_interval", INT, "10", "Optimizer steps between loss log lines.")
                    .withAliases(Alias.rename("logging_steps", INT)),
            // Runtime
            ConfigKey.of(RUNTIME, "seed", INT, "1234", "Seed for initialization, shuffling and dropout."),
            ConfigKey.of(RUNTIME, "mixed_precision", STRING, "\"no\"",
                            "Compute dtype of forward and backward; no = fp32.")
                    .withChoices(ConfigChoice.names(RuntimeConfig.MixedPrecision.class))
                    .withAliases(
                            new Alias("bf16", BOOL, v -> (Boolean) v ? "bf16" : "no",
                                    "true -> \"bf16\", false -> \"no\"", "true"),
                            new Alias("fp16", BOOL, v -> (Boolean) v ? "fp16" : "no",
                                    "true -> \"fp16\", false -> \"no\"", "true")),
            ConfigKey.of(RUNTIME, "device", STRING, "\"auto\"", "Where to compute; auto = CUDA when visible, else CPU.")
                    .withChoices(ConfigChoice.names(RuntimeConfig.Device.class)),
            ConfigKey.of(RUNTIME, "num_threads", INT, "0", "CPU threads for the engine; 0 = the library's default."),
            // Distributed
            ConfigKey.of(DISTRIBUTED, "distributed_type", STRING, "null",
                            "Data parallelism under `mft launch`: ddp, or deepspeed (ZeRO, see zero_stage); null ="
                                    + " ZeRO when zero_stage or deepspeed is set, else DDP.")
                    .withChoices(ConfigChoice.names(DistConfig.DistributedType.class))
                    .withExample("\"deepspeed\""),
            ConfigKey.of(DISTRIBUTED, "zero_stage", INT, "null",
                            "ZeRO stage: 0 = DDP, 1 = shard optimizer state, 2 = also gradients, 3 = also"
                                    + " parameters; null = the deepspeed JSON's stage, else 0.")
                    .withExample("2"),
            ConfigKey.of(DISTRIBUTED, "deepspeed", PATH, "null",
                            "DeepSpeed JSON: zero_optimization (stage, bucket sizes, stage3 prefetch and persistence)"
                                    + " and gradient_clipping; other settings must be \"auto\" or agree with this"
                                    + " config.")
                    .withExample("\"configs/ds_zero2.json\""),
            ConfigKey.of(DISTRIBUTED, "dist_backend", STRING, "\"auto\"",
                            "Collectives: nccl (GPUs), tcp (CPU ring, like gloo); auto = nccl on CUDA, else tcp.")
                    .withChoices(ConfigChoice.names(DistConfig.Backend.class)),
            ConfigKey.of(DISTRIBUTED, "init_timeout_seconds", INT, "3600",
                    "Seconds rendezvous and collectives may wait before the run fails instead of hanging."));

    private static final Map<String, ConfigKey> BY_NAME = index();

    private ConfigKeys() {}

    /** All keys, in reference order. */
    public static List<ConfigKey> all() {
        return ALL;
    }

    /** The key named {@code name} or having it as an alias. */
    public static Optional<ConfigKey> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The canonical key {@code name}; a typo in our own code is a bug, not a user error. */
    static ConfigKey get(String name) {
        ConfigKey key = BY_NAME.get(name);
        if (key == null || !key.name().equals(name)) {
            throw new IllegalStateException("not a canonical config key: " + name);
        }
        return key;
    }

    /** Every name a user may write: canonical names and aliases. */
    public static List<String> allNames() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The example JSON literal for a key or alias ({@code null} literal when unknown). */
    static String exampleJson(String name) {
        ConfigKey key = BY_NAME.get(name);
        if (key == null) {
            return "null";
        }
        Alias alias = key.alias(name);
        return alias != null && alias.example() != null ? alias.example() : key.example();
    }

    /**
     * The accepted name nearest to {@code unknown} by edit distance (case and '-' vs '_' ignored), if near enough
     * to be a plausible typo.
     */
    public static Optional<String> suggest(String unknown) {
        String probe = unknown.toLowerCase(Locale.ROOT).replace('-', '_');
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : BY_NAME.keySet()) {
            int d = EditDistance.between(probe, name);
            if (d < bestDistance) {
                best = name;
                bestDistance = d;
            }
        }
        // Beyond a third of the word the "nearest" key is usually unrelated and the hint would mislead.
        int tolerance = Math.max(2, probe.length() / 3);
        return bestDistance <= tolerance ? Optional.of(best) : Optional.empty();
    }

    private static Map<String, ConfigKey> index() {
        Map<String, ConfigKey> byName = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (ConfigKey key : ALL) {
            names.add(key.name());
            key.aliases().forEach(alias -> names.add(alias.name()));
            for (String name : names) {
                if (byName.put(name, key) != null) {
                    throw new IllegalStateException("config key named twice: " + name);
                }
            }
            names.clear();
        }
        return Collections.unmodifiableMap(byName);
    }

    private static Object qLora(Object value) {
        if (!(Boolean) value) {
            // false does not say whether to use LoRA or full fine-tuning; guessing would rewrite the user's intent.
            throw new ConfigValueException("q_lora", value,
                    "true (for q_lora false, set peft_type to \"lora\" or null for full fine-tuning)");
        }
        return "qlora";
    }

    private static Object warmupRatio(Object value) {
        double ratio = (Double) value;
        Checks.check(ratio >= 0 && ratio < 1, "warmup_ratio", ratio, "a share in [0, 1)");
        return ratio;
    }

    private static Object warmupSteps(Object value) {
        Checks.nonNegative("warmup_steps", (Integer) value);
        return ((Integer) value).doubleValue();
    }
}
