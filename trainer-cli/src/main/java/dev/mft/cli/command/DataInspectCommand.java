package dev.mft.cli.command;

import dev.mft.cli.recipe.DataInspection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** {@code mft data inspect}: each example with its trained tokens marked, and a summary of the data. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Render, tokenize and mask the configured data exactly as `mft train` does, and show it:",
            "  text: each example with the trained text highlighted (green on a terminal, [[...]] otherwise),",
            "        then per task the examples, tokens, trained tokens, dropped/truncated counts, skipped bad",
            "        records and a histogram of example lengths;",
            "  json: one object per example {\"task\", \"origin\", \"input_ids\", \"labels\" (-100 = not trained),",
            "        \"segments\": [{\"text\", \"trained\"}]} whose segments concatenate to the rendered text; the",
            "        summary goes to stderr.",
            "Any config key can be overridden as --key value (e.g. --chat_template qwen --loss_mode split_example).",
            "", "Examples:", "  mft data inspect --train_config configs/demo.json --limit 3",
            "  mft data inspect --train_config x.json --format json | jq -c '.segments'"})
public final class DataInspectCommand implements Callable<Integer> {
    @Mixin
    TrainConfigOptions config;

    @Option(names = "--limit", defaultValue = "10", paramLabel = "<N>",
            description = "Examples to show (default ${DEFAULT-VALUE}); the summary always covers all data.")
    int limit;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
            description = "text (default) or json (one object per line).")
    String format;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        DataInspection.Format f = switch (format) {
            case "text" -> DataInspection.Format.TEXT;
            case "json" -> DataInspection.Format.JSON;
            default -> throw new IllegalArgumentException("--format " + format + "; expected text or json");
        };
        if (limit < 0) {
            throw new IllegalArgumentException("--limit " + limit + "; expected >= 0");
        }
        // colour only when a person is looking: a pipe or file gets plain brackets
        DataInspection.Marking marking = System.console() != null ? DataInspection.Marking.ANSI
                : DataInspection.Marking.BRACKETS;
        DataInspection.run(config.load(overrides), limit, f, marking, System.out, System.err);
        return 0;
    }
}
