package dev.mft.data.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.RealData;
import dev.mft.data.RealTokenizers;
import dev.mft.data.read.BadDataKind;
import dev.mft.data.read.DataFormat;
import dev.mft.data.read.OnBadData;
import dev.mft.data.split.SplitShares;
import dev.mft.data.template.LossMode;
import dev.mft.data.template.RoleMarkers;
import dev.mft.data.template.TemplateName;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.TokenizedExample;
import dev.mft.data.tokenize.Truncation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataPreparationTest {

    @TempDir
    Path tmp;

    private DataSpec spec(List<Path> tasks, int seqLength, SplitShares split) {
        return new DataSpec(tasks, List.of(), DataFormat.AUTO, TemplateName.CHATML, RoleMarkers.MFTCODER,
                LossMode.EFFICIENT, seqLength, Truncation.DROP, OnBadData.SKIP, split, true, 1234);
    }

    private Path copyOfData() throws IOException {
        Path alpaca = Files.createDirectories(tmp.resolve("data/alpaca"));
        Files.copy(RealData.alpaca(), alpaca.resolve("a.json"));
        Path chat = Files.createDirectories(tmp.resolve("data/chat"));
        Files.copy(RealData.fastChat(), chat.resolve("c.json"));
        Files.writeString(chat.resolve("bad.jsonl"), "{\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}]}\n");
        return tmp.resolve("data");
    }

    @Test
    void tasksAreSplitEncodedAndTheirSkipsReported() throws IOException {
        Path data = copyOfData();
        HfTokenizer tok = RealTokenizers.get("qwen2_5");

        PreparedDataset d = DataPreparation.prepare(spec(List.of(data.resolve("alpaca"), data.resolve("chat")), 4096,
                new SplitShares(98, 2, 0)), tok, null);

        assertEquals(List.of("alpaca", "chat"), d.taskNames());
        assertEquals(List.of(979, 20), List.of(d.tasks().get(0).train().size(), d.tasks().get(0).valid().size()));
        assertEquals(List.of(490, 10), List.of(d.tasks().get(1).train().size(), d.tasks().get(1).valid().size()));
        assertTrue(d.train().stream().limit(979).allMatch(e -> e.taskId() == 0));
        assertTrue(d.valid().stream().skip(20).allMatch(e -> e.taskId() == 1));
        assertEquals(Map.of(BadDataKind.NO_REPLY, 1), d.skipped());
        assertTrue(d.report(4096).get(2).contains("1 no assistant reply"), d.report(4096).toString());
        assertFalse(d.fromCache());
    }

    @Test
    void aSecondRunReadsTheCacheAndAnyChangedInputPreparesAfresh() throws IOException {
        Path data = copyOfData();
        HfTokenizer tok = RealTokenizers.get("qwen2_5");
        DatasetCache cache = new DatasetCache(tmp.resolve("cache"));
        DataSpec spec = spec(List.of(data.resolve("chat")), 4096, new SplitShares(98, 2, 0));

        PreparedDataset first = DataPreparation.prepare(spec, tok, cache);
        PreparedDataset second = DataPreparation.prepare(spec, tok, cache);

        assertFalse(first.fromCache());
        assertTrue(second.fromCache());
        assertSameExamples(first.train(), second.train());
        assertSameExamples(first.valid(), second.valid());
        assertEquals(first.tasks().get(0).trainStats(), second.tasks().get(0).trainStats());
        assertEquals(first.skipped(), second.skipped());

        String key = DataPreparation.cacheKey(spec, tok);
        assertNotEquals(key, DataPreparation.cacheKey(spec(spec.taskPaths(), 2048, spec.split()), tok));
        assertNotEquals(key, DataPreparation.cacheKey(spec, RealTokenizers.get("llama3")));
        Files.writeString(data.resolve("chat/bad.jsonl"), "\n", java.nio.file.StandardOpenOption.APPEND);
        assertNotEquals(key, DataPreparation.cacheKey(spec, tok));
        assertFalse(DataPreparation.prepare(spec, tok, cache).fromCache());
    }

    @Test
    void aCacheFileCutShortByACrashReadsAsAbsentAndIsRebuilt() throws IOException {
        Path data = copyOfData();
        HfTokenizer tok = RealTokenizers.get("qwen2_5");
        DatasetCache cache = new DatasetCache(tmp.resolve("cache"));
        DataSpec spec = spec(List.of(data.resolve("chat")), 4096, SplitShares.ALL_TRAIN);
        PreparedDataset made = DataPreparation.prepare(spec, tok, cache);
        Path file = cache.file(DataPreparation.cacheKey(spec, tok));
        byte[] whole = Files.readAllBytes(file);

        for (int cut : new int[] {0, 7, whole.length / 2, whole.length - 1}) {
            Files.write(file, java.util.Arrays.copyOf(whole, cut));
            assertTrue(cache.load(DataPreparation.cacheKey(spec, tok)).isEmpty(), "cut at " + cut);
        }
        whole[whole.length / 2] ^= 1; // one flipped bit
        Files.write(file, whole);
        assertTrue(cache.load(DataPreparation.cacheKey(spec, tok)).isEmpty());

        PreparedDataset rebuilt = DataPreparation.prepare(spec, tok, cache);
        assertFalse(rebuilt.fromCache());
        assertSameExamples(made.train(), rebuilt.train());
        assertTrue(DataPreparation.prepare(spec, tok, cache).fromCache());
    }

    @Test
    void separateEvalDataIsTheValidationSetOfTheTaskWithItsName() throws IOException {
        Path data = copyOfData();
        Path eval = Files.createDirectories(tmp.resolve("eval/chat"));
        Files.writeString(eval.resolve("e.jsonl"), "{\"chat_rounds\": [{\"role\": \"human\", \"content\": \"q\"},"
                + " {\"role\": \"bot\", \"content\": \"a\"}]}\n");
        DataSpec spec = new DataSpec(List.of(data.resolve("alpaca"), data.resolve("chat")), List.of(eval),
                DataFormat.AUTO, TemplateName.CHATML, RoleMarkers.MFTCODER, LossMode.EFFICIENT, 4096,
                Truncation.DROP, OnBadData.SKIP, new SplitShares(98, 2, 0), true, 1);

        PreparedDataset d = DataPreparation.prepare(spec, RealTokenizers.get("qwen2_5"), null);

        assertEquals(999, d.tasks().get(0).train().size());
        assertEquals(0, d.tasks().get(0).valid().size());
        assertEquals(1, d.tasks().get(1).valid().size());
        assertEquals(1, d.tasks().get(1).valid().get(0).taskId());
    }

    static void assertSameExamples(List<TokenizedExample> a, List<TokenizedExample> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).inputIds(), b.get(i).inputIds(), "example " + i);
            assertArrayEquals(a.get(i).labels(), b.get(i).labels(), "example " + i);
            assertEquals(a.get(i).taskId(), b.get(i).taskId());
        }
    }
}
