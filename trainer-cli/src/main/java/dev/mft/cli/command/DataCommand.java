package dev.mft.cli.command;

import picocli.CommandLine.Command;

/** {@code mft data}: look at training data the way training sees it. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Look at the training data as training sees it.",
        subcommands = {DataInspectCommand.class})
public final class DataCommand {}
