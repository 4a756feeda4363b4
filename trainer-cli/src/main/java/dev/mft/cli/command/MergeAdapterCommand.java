package dev.mft.cli.command;

import dev.mft.cli.recipe.MergeAdapter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mft merge-adapter}: a PEFT adapter folded into its base, written as a HF model folder. */
@Command(name = "merge-adapter", mixinStandardHelpOptions = true,
        description = {"Fold a LoRA/QLoRA adapter (a PEFT folder: adapter_config.json + adapter_model.safetensors)"
            + " into its base model: W += scaling * B @ A for every adapted layer. Writes a HF model folder in the"
            + " base's dtype (config.json, model.safetensors, tokenizer files), atomically.",
            "An adapter whose modules, rank or shapes do not fit the base is refused, naming what differs.",
            "", "Example:", "  mft merge-adapter --base_model_or_path models/Qwen2.5-0.5B"
            + " --adaptor_path runs/qwen2-qlora/final --merged_output_path runs/qwen2-qlora/merged"})
public final class MergeAdapterCommand implements Callable<Integer> {
    @Option(names = {"--base_model_or_path", "--base-model-or-path"}, required = true, paramLabel = "<dir>",
            description = "The HF model folder the adapter was trained on.")
    Path base;

    @Option(names = {"--adaptor_path", "--adaptor-path", "--adapter_path", "--adapter-path"}, required = true,
            paramLabel = "<dir>", description = "The adapter folder, e.g. output_dir/final of a LoRA run.")
    Path adapter;

    @Option(names = {"--merged_output_path", "--merged-output-path"}, required = true, paramLabel = "<dir>",
            description = "Where to write the merged model (replaced if it exists).")
    Path output;

    @Option(names = {"--merge_into", "--merge-into"}, defaultValue = "original", paramLabel = "<original|nf4>",
            converter = IntoConverter.class,
            description = "original (default): add the adapter to the base weights as stored, as MFTCoder does;"
                    + " nf4: to the base as QLoRA training saw it (each projection quantized to NF4 and back).")
    MergeAdapter.Into into;

    /** Lower-case names on the command line. */
    static final class IntoConverter implements picocli.CommandLine.ITypeConverter<MergeAdapter.Into> {
        @Override
        public MergeAdapter.Into convert(String value) {
            for (MergeAdapter.Into i : MergeAdapter.Into.values()) {
                if (i.name().equalsIgnoreCase(value)) {
                    return i;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("expected original or nf4, found '" + value + "'");
        }
    }

    @Override
    public Integer call() throws Exception {
        MergeAdapter.run(base, adapter, output, into, System.out);
        return 0;
    }
}
