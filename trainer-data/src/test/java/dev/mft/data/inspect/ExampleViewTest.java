package dev.mft.data.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.RealData;
import dev.mft.data.RealTokenizers;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.prepare.PreparedDataset;
import dev.mft.data.prepare.TaskExamples;
import dev.mft.data.read.BadDataKind;
import dev.mft.data.template.ChatmlTemplate;
import dev.mft.data.template.LossMode;
import dev.mft.data.template.Segment;
import dev.mft.data.tokenize.EncodeStats;
import dev.mft.data.tokenize.EncodedExample;
import dev.mft.data.tokenize.ExampleEncoder;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.TokenizedExample;
import dev.mft.data.tokenize.Truncation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExampleViewTest {

    @Test
    void segmentsConcatenateToTheRenderingAndTheTrainedOnesAreTheReplies() {
        HfTokenizer tok = RealTokenizers.get("qwen2_5");
        List<Conversation> chats = RealData.read(RealData.fastChat(), 20);
        List<EncodedExample> encoded = new ExampleEncoder(tok, ChatmlTemplate.qwen(), LossMode.EFFICIENT, 4096,
                Truncation.DROP).encodeDetailed(chats, 0);

        for (EncodedExample e : encoded) {
            ExampleView v = ExampleView.of("chat", e);
            StringBuilder all = new StringBuilder();
            StringBuilder trained = new StringBuilder();
            for (int i = 0; i < v.segments().size(); i++) {
                Segment s = v.segments().get(i);
                all.append(s.text());
                trained.append(s.trained() ? s.text() : "");
                if (i > 0) {
                    assertNotEquals(v.segments().get(i - 1).trained(), s.trained());
                }
            }
            assertEquals(e.rendered().text(), all.toString());
            assertEquals(e.rendered().trainedText(), trained.toString());
        }
    }

    @Test
    void aLeftTruncatedExampleShowsOnlyTheTextOfItsKeptTokens() {
        HfTokenizer tok = RealTokenizers.get("qwen2_5");
        Conversation c = RealData.read(RealData.fastChat(), 1).get(0);
        EncodedExample full = new ExampleEncoder(tok, ChatmlTemplate.qwen(), LossMode.EFFICIENT, 4096, Truncation.DROP)
                .encodeDetailed(List.of(c), 0).get(0);
        int keep = full.encoding().length() - 10;

        EncodedExample cut = new ExampleEncoder(tok, ChatmlTemplate.qwen(), LossMode.EFFICIENT, keep, Truncation.LEFT)
                .encodeDetailed(List.of(c), 0).get(0);
        ExampleView v = ExampleView.of("chat", cut);

        assertEquals(EncodedExample.Outcome.TRUNCATED, cut.outcome());
        String text = full.rendered().text();
        String shown = String.join("", v.segments().stream().map(Segment::text).toList());
        assertEquals(text.substring(full.encoding().starts()[10]), shown);
        assertEquals(keep, v.example().length());
    }

    @Test
    void theSummaryCountsTokensAndBucketsLengthsByHand() {
        TokenizedExample a = new TokenizedExample(new int[] {1, 2, 3}, new int[] {-100, 2, 3}, 0);
        TokenizedExample b = new TokenizedExample(new int[40], new int[40], 0);
        PreparedDataset d = new PreparedDataset(List.of(new TaskExamples("t", List.of(a), List.of(b),
                new EncodeStats(2, 3, 1, 0, 0, "x:1"), EncodeStats.NONE)), Map.of(BadDataKind.UNKNOWN_ROLE, 2), false);

        DataSummary s = DataSummary.of(d, 100);

        assertEquals(List.of(new DataSummary.Task("t", 2, 43, 42, 1, 0)), s.tasks());
        assertEquals(List.of("1-32", "33-64", "65-100"), List.copyOf(s.lengthHistogram().keySet()));
        assertEquals(List.of(1, 1, 0), List.copyOf(s.lengthHistogram().values()));
        assertTrue(s.lines().contains("bad records skipped: 2 unknown role"), s.lines().toString());
    }
}
