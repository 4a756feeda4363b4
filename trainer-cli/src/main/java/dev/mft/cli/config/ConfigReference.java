package dev.mft.cli.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders {@code docs/configuration.md} from {@link ConfigKeys}, so the reference and the loader cannot disagree.
 * A test fails when the committed file differs from {@link #markdown()}.
 */
public final class ConfigReference {
    /** The command that rewrites docs/configuration.md from this class (what the staleness test tells users). */
    public static final String REGENERATE =
            "mvn -o -q -pl trainer-cli -am test -Dtest=ConfigReferenceTest -Dsurefire.failIfNoSpecifiedTests=false"
                    + " -Dmft.regenerateDocs=true";

    private ConfigReference() {}

    /** The whole reference as Markdown. */
    public static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(INTRO.replace("${REGENERATE}", REGENERATE));
        for (ConfigKey.Section section : ConfigKey.Section.values()) {
            List<ConfigKey> keys = ConfigKeys.all().stream().filter(k -> k.section() == section).toList();
            if (keys.isEmpty()) {
                continue;
            }
            md.append("\n### ").append(section.title()).append("\n\n");
            md.append("| key | type | default | aliases | description |\n");
            md.append("|---|---|---|---|---|\n");
            for (ConfigKey key : keys) {
                md.append("| `").append(key.name()).append("` | ")
                        .append(key.type().docName()).append(" | ")
                        .append(defaultCell(key)).append(" | ")
                        .append(aliasCell(key)).append(" | ")
                        .append(cell(descriptionOf(key))).append(" |\n");
            }
        }
        md.append(minimalExample());
        return md.toString();
    }

    private static String defaultCell(ConfigKey key) {
        if (key.required()) {
            return "**required**";
        }
        String dflt = "`" + cell(key.defaultJson()) + "`";
        return key.nullable() && !key.defaultJson().equals("null") ? dflt + " (null allowed)" : dflt;
    }

    private static String aliasCell(ConfigKey key) {
        return key.aliases().stream()
                .map(a -> "`" + a.name() + "`" + (a.note().isEmpty() ? "" : " (" + a.type().docName() + ": "
                        + a.note() + ")"))
                .map(ConfigReference::cell)
                .collect(Collectors.joining(", "));
    }

    private static String descriptionOf(ConfigKey key) {
        if (key.choices().isEmpty()) {
            return key.description();
        }
        String choices = key.choices().stream().map(c -> "`" + c + "`").collect(Collectors.joining(", "));
        return key.description() + " One of " + choices + ".";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    private static String minimalExample() {
        String fields = ConfigKeys.all().stream()
                .filter(ConfigKey::required)
                .map(key -> "  \"" + key.name() + "\": " + key.example())
                .collect(Collectors.joining(",\n"));
        return "\n## A minimal config\n\nThe required keys only; every other key takes its default.\n\n```json\n{\n"
                + fields + "\n}\n```\n";
    }

    private static final String INTRO = """
            # Train configuration reference

            <!-- Generated from dev.mft.cli.config.ConfigKeys by ConfigReference.markdown(); do not edit by hand.
                 Regenerate: ${REGENERATE} -->

            `mft train --train_config x.json` reads a JSON object in MFTCoder's train-config format
            (mftcoder_accelerate), also accepting the FastChat / HF names users often type, plus a few keys of
            mft's own. Options after it (`--key value`) override the file.

            ## How values are read

            - **Strict.** An unknown key is an error that names the file and suggests the nearest valid key
              (`unknown key 'learning_rat' in x.json; did you mean 'learning_rate'?`). So are a value of the wrong
              JSON type (`"seq_length": "4096"` is a string, not an integer), a missing required key, a key set twice
              in one place (by an alias and its canonical name, e.g. `model_max_length` and `seq_length`), and a value
              out of range. All problems of a file are reported together.
            - **Lists.** `string-list`, `path-list` and `double-list` keys take a JSON list, MFTCoder's list string
              `"[a,b]"`, or (string and path lists) a single string meaning a list of one.
            - **Relative paths.** `path` values in the config file are resolved against **the folder of the config
              file**, so a config can sit next to its data and be run from anywhere; paths given on the command line
              are resolved against the working directory. `~` is not expanded. `pretrained_model_path` is a local
              folder, not a hub id.
            - **Overrides.** `--key value` or `--key=value`, parsed by the key's type with the same checks and
              messages (naming `--key`). A `bool` key given as a bare flag (`--bf16`) means true. `null` sets keys that
              allow null. An override replaces the file's value, whatever name either used.
            - **Aliases.** The FastChat / HF names in the aliases column set the canonical key. Most are renames;
              `warmup_ratio` must be below 1, `q_lora: true` means `peft_type: "qlora"` (`false` is refused: say
              `peft_type` instead), and `bf16` / `fp16` set `mixed_precision`.
            - **`null`** is accepted where the default is null, and for `quantization`.

            ## Differences from MFTCoder

            - **`peft_type` defaults to null (full fine-tuning)**, not MFTCoder's `"qlora"`: this version trains full
              parameters; LoRA and QLoRA are selected explicitly. `quantization` keeps MFTCoder's `"4bit"` default,
              which matters only under `qlora`.
            - `num_warmup_steps` defaults to `0.05` (a ratio), as in MFTCoder v0.5's `MftTrainArgs` (v0.4 used 300).
            - `attn_implementation` is `sdpa` (default) or `eager`; MFTCoder's `flash_attention_2` is refused, since
              `sdpa` already uses torch's flash kernel where it applies.
            - `tokenizer_type` is accepted but only as `AutoTokenizer`: the tokenizer always comes from the model
              folder's `tokenizer.json`.
            - MFTCoder's legacy keys (`use_xformers`, `trust_remote_code`, `world_size` ...), `data_weights` and
              `low_cpu_mem_usage` are not accepted.
            - `padding_mode: "pack"` keeps packed samples apart (position ids restart per sample, attention is
              block-diagonal), where MFTCoder lets them attend to each other; `truncation` can keep over-long
              samples instead of dropping them.
            - `task_weights` is refused with loss modes that do not read it (case1, case2, selfpaced, coba), where
              MFTCoder ignores or overwrites it; `selfpaced` and `coba` need validation data.

            ## Keys
            """;
}
