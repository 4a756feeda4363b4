package dev.mft.cli.command;

import dev.mft.data.demo.DemoData;
import dev.mft.data.demo.DemoTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mft demo-setup}: the embedded default's tokenizer, sample data and random model, all made here. */
@Command(name = "demo-setup", mixinStandardHelpOptions = true,
        description = {"Write what configs/demo.json trains on, made by mft itself (no downloads):",
            "  <dir>/tokenizer/        a byte-level BPE tokenizer learned from the demo data",
            "  <dir>/data/demo_chat/   48 MFTCoder chat_rounds conversations (the task is named demo_chat)",
            "  <dir>/model/            a random-initialized llama-shaped model (preset demo-tiny)",
            "Existing parts are kept unless --force.", "", "Example:", "  mft demo-setup --dir work/demo"})
public final class DemoSetupCommand implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = "work/demo", description = "Folder to fill (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--force", description = "Rewrite parts that exist already.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        Path tokenizer = dir.resolve("tokenizer");
        if (force || !Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            DemoTokenizer.write(tokenizer);
            System.out.println("wrote " + tokenizer);
        }
        Path data = dir.resolve("data").resolve("demo_chat").resolve("demo.jsonl");
        if (force || !Files.isRegularFile(data)) {
            Files.createDirectories(data.getParent());
            DemoData.writeChatRounds(data);
            System.out.println("wrote " + data + " (" + DemoData.SIZE + " conversations)");
        }
        Path model = dir.resolve("model");
        if (force || !Files.isRegularFile(model.resolve("config.json"))) {
            int rc = new CommandLine(new InitModelCommand()).execute("--config", "demo-tiny", "--tokenizer",
                    tokenizer.toString(), "--output", model.toString());
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }
}
