package dev.mft.cli.command;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.mft.core.generate.Generator;
import dev.mft.core.generate.Sampling;
import dev.mft.core.model.LinearFactory;
import dev.mft.core.model.LlamaModel;
import dev.mft.core.model.ModelCheckpoints;
import dev.mft.core.model.ModelWeights;
import dev.mft.core.model.RotaryEmbedding;
import dev.mft.core.model.WeightInterceptor;
import dev.mft.core.tensor.TorchRuntime;
import dev.mft.data.template.RoleMarkers;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.peft.FrozenLinears;
import dev.mft.peft.io.AdapterCompatibility;
import dev.mft.peft.io.AdapterFiles;
import dev.mft.peft.io.LoadedAdapter;
import dev.mft.peft.lora.LoraInit;
import dev.mft.peft.lora.LoraLinears;
import dev.mft.peft.quant.Nf4Weights;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mft generate}: smoke-test a model with the chat format it was trained with. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate a reply from a HF model folder (e.g. output_dir/final), with a KV cache.",
            "The prompt is wrapped in the MFTCoder chat format used for training (<s>human ... <s>bot) unless --raw;",
            "decoding stops at the tokenizer's EOS token.", "",
            "Examples:", "  mft generate --model work/demo-out/final --prompt \"What is 3 plus 4?\"",
            "  mft generate --model work/demo/model --adapter work/demo-lora-out/final --prompt \"What is 3 plus 4?\"",
            "  mft generate --model out/final --chat --temperature 0.7 --top_p 0.9"})
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "<dir>", description = "HF model folder.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "<text>", description = "One prompt; prints the reply.")
        String prompt;

        @Option(names = "--chat", description = "Read prompts from stdin, one per line (the conversation is kept).")
        boolean chat;
    }

    @Option(names = "--system", description = "System message.")
    String system;

    @Option(names = "--raw", description = "Feed the prompt as is, without the chat format.")
    boolean raw;

    @Option(names = {"--max_new_tokens", "--max-new-tokens"}, defaultValue = "256",
            description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = {"--top_p", "--top-p"}, defaultValue = "1.0", description = "Nucleus sampling (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "1234", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"--no_cache", "--no-cache"}, description = "Recompute the whole prefix each token (slow; for checks).")
    boolean noCache;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--adapter", paramLabel = "<dir>",
            description = "A PEFT adapter folder (e.g. output_dir/final of a LoRA run) applied over --model.")
    Path adapter;

    @Option(names = "--nf4", description = "With --adapter: hold --model's projections as NF4, as QLoRA trained them.")
    boolean nf4;

    @Override
    public Integer call() throws Exception {
        Device dev = TorchRuntime.device(device);
        RoleMarkers markers = RoleMarkers.MFTCODER;
        if (nf4 && adapter == null) {
            throw new IllegalArgumentException("--nf4 goes with --adapter (a QLoRA adapter over NF4 base weights)");
        }
        try (HfTokenizer tok = HfTokenizer.load(model); NDManager root = NDManager.newBaseManager(dev);
                Nf4Weights quantized = new Nf4Weights(root, dev);
                ModelWeights w = ModelCheckpoints.load(model, root, dev, nf4 ? quantized : WeightInterceptor.NONE)) {
            LlamaModel m = new LlamaModel(w.config(), w.tensors(), new RotaryEmbedding(root, w.config()),
                    adapter == null ? LinearFactory.dense() : adapterLinears(w, quantized, root, dev),
                    LlamaModel.Attention.SDPA);
            Generator g = new Generator(m, root, dev);
            Sampling sampling = new Sampling(maxNewTokens, temperature, topP, seed,
                    Set.of(tok.specialTokens().eos().id()));
            StringBuilder history = new StringBuilder();
            if (system != null && !raw) {
                history.append(markers.system()).append(system).append('\n');
            }
            if (!input.chat) {
                reply(tok, g, sampling, history, input.prompt, markers);
                return 0;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.out.print("> ");
            System.out.flush();
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank()) {
                    reply(tok, g, sampling, history, line, markers);
                }
                System.out.print("> ");
                System.out.flush();
            }
            return 0;
        }
    }

    private LinearFactory adapterLinears(ModelWeights w, Nf4Weights quantized, NDManager root, Device dev)
            throws java.io.IOException {
        LoadedAdapter a = AdapterFiles.load(adapter, root, dev); // copied into the layers; freed with root
        AdapterCompatibility.check(a, w.config());
        return new LoraLinears(a.config(), nf4 ? quantized.linears() : FrozenLinears.dense(),
                LoraInit.from(a.weights()), root);
    }

    /** Generates one reply, printing it as it grows, and appends the turn to {@code history}. */
    private void reply(HfTokenizer tok, Generator g, Sampling sampling, StringBuilder history, String prompt,
            RoleMarkers markers) {
        String text = raw ? history + prompt : history + markers.user() + prompt + "\n" + markers.assistant();
        int[] ids = tok.encode(text).ids();
        int eos = tok.specialTokens().eos().id();
        int[] produced = new int[sampling.maxNewTokens()];
        int[] count = {0};
        String[] printed = {""};
        int[] out = g.generate(ids, sampling, !noCache, t -> {
            if (t == eos) {
                return;
            }
            produced[count[0]++] = t;
            // trailing newlines wait until more text follows (the template ends every reply with "\n" + EOS)
            String sofar = tok.decode(Arrays.copyOf(produced, count[0])).stripTrailing();
            if (sofar.startsWith(printed[0])) { // print only whole characters as they complete
                System.out.print(sofar.substring(printed[0].length()));
                System.out.flush();
                printed[0] = sofar;
            }
        });
        String reply = tok.decode(Arrays.copyOf(produced, count[0]));
        System.out.println(reply.stripTrailing().substring(Math.min(printed[0].length(), reply.stripTrailing().length())));
        history.setLength(0);
        history.append(text).append(reply).append(out.length > 0 && out[out.length - 1] == eos
                ? tok.specialTokens().eos().text() : "").append('\n');
    }
}
