package dev.mft.cli;

import dev.mft.cli.bench.BenchCommand;
import dev.mft.cli.command.DataCommand;
import dev.mft.cli.command.DemoSetupCommand;
import dev.mft.cli.command.DoctorCommand;
import dev.mft.cli.command.EvalCommand;
import dev.mft.cli.command.GenerateCommand;
import dev.mft.cli.command.InitModelCommand;
import dev.mft.cli.command.LaunchCommand;
import dev.mft.cli.command.MergeAdapterCommand;
import dev.mft.cli.command.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code mft}: fine-tune HF Llama-family models from the JVM. */
@Command(name = "mft", mixinStandardHelpOptions = true, version = "mft 0.1.0",
        description = {"Fine-tune HuggingFace Llama-family models (llama, mistral, qwen2) on DJL's PyTorch engine.", "",
            "Examples:",
            "  mft init-model --config demo-tiny --tokenizer configs/demo-tokenizer --output work/demo-model",
            "  mft train --train_config configs/demo.json",
            "  mft train --train_config x.json --learning_rate 1e-4 --num_train_epochs 2",
            "  mft eval --train_config x.json [--adapter output_dir/final]",
            "  mft data inspect --train_config x.json --limit 3",
            "  mft merge-adapter --base_model_or_path M --adaptor_path output_dir/final --merged_output_path merged",
            "  mft launch --nproc_per_node 2 -- train --train_config x.json --zero_stage 2"},
        subcommands = {
            TrainCommand.class,
            EvalCommand.class,
            GenerateCommand.class,
            DataCommand.class,
            MergeAdapterCommand.class,
            LaunchCommand.class,
            InitModelCommand.class,
            DemoSetupCommand.class,
            DoctorCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (1: failure with a message, 2: usage error). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new UserErrors());
        return cli.execute(args);
    }
}
