package dev.mft.data.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import dev.mft.data.batch.Batch;
import dev.mft.data.batch.DataLoader;
import dev.mft.data.batch.PaddingCollator;
import dev.mft.data.batch.PaddingLength;
import dev.mft.data.prepare.DataPreparation;
import dev.mft.data.prepare.DataSpec;
import dev.mft.data.prepare.DatasetCache;
import dev.mft.data.prepare.PreparedDataset;
import dev.mft.data.read.BadDataLog;
import dev.mft.data.read.DataFormat;
import dev.mft.data.read.OnBadData;
import dev.mft.data.read.TaskReader;
import dev.mft.data.split.SplitShares;
import dev.mft.data.template.ChatTemplate;
import dev.mft.data.template.LossMode;
import dev.mft.data.template.RoleMarkers;
import dev.mft.data.template.TemplateName;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.TokenizedExample;
import dev.mft.data.tokenize.Truncation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Data preparation throughput next to the raw tokenizer, in one JVM (scripts/bench/data_prep.sh runs it):
 *
 * <ul>
 *   <li>pipeline: alpaca_en_demo.json -> read, render (chatml), tokenize, mask ({@link DataPreparation}, no cache)
 *       and batch (padded batches of 8, all of one epoch);
 *   <li>raw: DJL's HuggingFaceTokenizer.batchEncode of the same rendered strings (prepared beforehand), the same
 *       native library with all its threads, no template, no masks, no batches;
 *   <li>native: the part of raw that mft keeps: the native batch encode, then only ids and character spans read
 *       back (DJL's batchEncode also copies tokens as Strings, type/word/sequence ids and masks). pipeline vs
 *       native is the cost of reading, templates, masks and batches alone.
 * </ul>
 * The two alternate, after warm-up rounds, and the medians are compared. Then, in {@code cached} mode (a fresh JVM,
 * as a second training run would be), the time to get the prepared data from a filled dataset cache.
 *
 * <p>Usage: {@code DataPreparationBenchmark <assets dir> <rounds> <cache dir>} or
 * {@code DataPreparationBenchmark --cached <assets dir> <cache dir>}.
 */
public final class DataPreparationBenchmark {

    private DataPreparationBenchmark() {}

    public static void main(String[] args) throws IOException {
        if (args[0].equals("--cached")) {
            cached(Path.of(args[1]), Path.of(args[2]));
            return;
        }
        Path assets = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Path cacheDir = Path.of(args[2]);
        HfTokenizer tok = HfTokenizer.load(assets.resolve("tokenizers/qwen2_5"));
        DataSpec spec = spec(assets);
        String[] rendered = rendered(spec, tok);
        long tokens;
        try (HuggingFaceTokenizer raw = HuggingFaceTokenizer.builder()
                .optTokenizerPath(assets.resolve("tokenizers/qwen2_5"))
                .optTruncation(false).optPadding(false).optAddSpecialTokens(false).build()) {
            tokens = rawEncode(raw, rendered);
            for (int w = 0; w < 3; w++) { // warm-up: JIT and the native library's thread pool
                pipeline(spec, tok);
                rawEncode(raw, rendered);
                nativeEncode(raw, rendered);
            }
            double[] pipelineSeconds = new double[rounds];
            double[] rawSeconds = new double[rounds];
            double[] nativeSeconds = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                pipeline(spec, tok);
                long t1 = System.nanoTime();
                rawEncode(raw, rendered);
                long t2 = System.nanoTime();
                nativeEncode(raw, rendered);
                long t3 = System.nanoTime();
                pipelineSeconds[r] = (t1 - t0) / 1e9;
                rawSeconds[r] = (t2 - t1) / 1e9;
                nativeSeconds[r] = (t3 - t2) / 1e9;
            }
            double p = median(pipelineSeconds);
            double q = median(rawSeconds);
            double v = median(nativeSeconds);
            int n = rendered.length;
            System.out.printf(Locale.ROOT, "{\"bench\": \"data_prep\", \"examples\": %d, \"tokens\": %d, \"rounds\": %d,"
                    + " \"cpus\": %d, \"pipeline_s\": %.4f, \"raw_tokenizer_s\": %.4f, \"native_ids_spans_s\": %.4f,"
                    + " \"pipeline_examples_per_s\": %.0f, \"raw_examples_per_s\": %.0f, \"pipeline_tokens_per_s\": %.0f,"
                    + " \"raw_tokens_per_s\": %.0f, \"ratio_vs_raw\": %.3f, \"ratio_vs_native\": %.3f,"
                    + " \"pipeline_all_s\": %s, \"raw_all_s\": %s, \"native_all_s\": %s}%n", n, tokens, rounds,
                    Runtime.getRuntime().availableProcessors(), p, q, v, n / p, n / q, tokens / p, tokens / q, q / p,
                    v / p, Arrays.toString(pipelineSeconds), Arrays.toString(rawSeconds),
                    Arrays.toString(nativeSeconds));
        }
        DataPreparation.prepare(spec, tok, new DatasetCache(cacheDir)); // fills the cache for --cached
        tok.close();
    }

    /** A second run: a fresh JVM that loads the tokenizer and gets the prepared data from the cache. */
    private static void cached(Path assets, Path cacheDir) {
        long t0 = System.nanoTime();
        HfTokenizer tok = HfTokenizer.load(assets.resolve("tokenizers/qwen2_5"));
        long t1 = System.nanoTime();
        PreparedDataset d = DataPreparation.prepare(spec(assets), tok, new DatasetCache(cacheDir));
        long t2 = System.nanoTime();
        if (!d.fromCache()) {
            throw new IllegalStateException("the cache in " + cacheDir + " did not hold the dataset; run the"
                    + " benchmark without --cached first");
        }
        System.out.printf(Locale.ROOT, "{\"bench\": \"data_prep_cached\", \"examples\": %d, \"tokenizer_load_s\": %.3f,"
                + " \"cached_prepare_s\": %.3f}%n", d.train().size(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        tok.close();
    }

    private static DataSpec spec(Path assets) {
        return new DataSpec(List.of(assets.resolve("data/alpaca_en_demo.json")), List.of(), DataFormat.AUTO,
                TemplateName.CHATML, RoleMarkers.MFTCODER, LossMode.EFFICIENT, 4096, Truncation.DROP, OnBadData.FAIL,
                SplitShares.ALL_TRAIN, false, 1234);
    }

    /** Read, split, render, tokenize, mask, then collate one epoch of padded batches of 8. */
    private static int pipeline(DataSpec spec, HfTokenizer tok) {
        PreparedDataset d = DataPreparation.prepare(spec, tok, null);
        List<TokenizedExample> examples = d.train();
        DataLoader loader = new DataLoader(examples, new PaddingCollator(tok.specialTokens().pad().id(), 4096,
                PaddingLength.LONGEST_IN_BATCH), 8, 1234, true, false);
        int cells = 0;
        for (Iterator<Batch> it = loader.epoch(0); it.hasNext(); ) {
            cells += it.next().inputIds().length;
        }
        return cells;
    }

    /** The rendered text of every example, made once, outside the timing. */
    private static String[] rendered(DataSpec spec, HfTokenizer tok) throws IOException {
        ChatTemplate template = spec.template().create(tok.templateTokens(), spec.roleMarkers());
        List<String> texts = new ArrayList<>();
        new TaskReader(spec.format(), BadDataLog.failing()).read(spec.taskPaths().get(0))
                .forEach(c -> texts.add(template.render(c).text()));
        if (!Files.isRegularFile(spec.taskPaths().get(0))) {
            throw new IOException("missing " + spec.taskPaths().get(0));
        }
        return texts.toArray(new String[0]);
    }

    /** Batch-encodes all texts in chunks of 1024 (as the pipeline does); returns the token count. */
    private static long rawEncode(HuggingFaceTokenizer raw, String[] texts) {
        long tokens = 0;
        for (int from = 0; from < texts.length; from += 1024) {
            String[] chunk = Arrays.copyOfRange(texts, from, Math.min(texts.length, from + 1024));
            for (Encoding e : raw.batchEncode(chunk, false, false)) {
                tokens += e.getIds().length;
            }
        }
        return tokens;
    }

    /** The native batch encode reading back only ids and spans (what HfTokenizer does); returns the token count. */
    private static long nativeEncode(HuggingFaceTokenizer raw, String[] texts) {
        long tokens = 0;
        for (int from = 0; from < texts.length; from += 1024) {
            String[] chunk = Arrays.copyOfRange(texts, from, Math.min(texts.length, from + 1024));
            long[] handles = TokenizersLibrary.LIB.batchEncode(raw.getHandle(), chunk, false);
            for (long h : handles) {
                tokens += TokenizersLibrary.LIB.getTokenIds(h).length;
                TokenizersLibrary.LIB.getTokenCharSpans(h);
                TokenizersLibrary.LIB.deleteEncoding(h);
            }
        }
        return tokens;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
