package dev.mft.data.template;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mft.data.RealData;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.tokenize.EncodedExamples;
import dev.mft.data.tokenize.ExampleEncoder;
import dev.mft.data.tokenize.HfTokenizer;
import dev.mft.data.tokenize.TokenizedExample;
import dev.mft.data.tokenize.Truncation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every template under every loss mode, on the real alpaca and FastChat data with real tokenizers: each example's
 * ids are the tokenizer's encoding of the text written out by hand ({@link TemplateSpecs}), and its trained tokens
 * decode to exactly the replies (+ end-of-turn tokens) the mode trains, taken from the raw JSON.
 */
class TemplatesOnRealDataTest {

    private static final int PER_FILE = 40;
    private static final String SYSTEM = "You are a careful assistant.";

    static Stream<Arguments> templatesAndModes() {
        List<Arguments> out = new ArrayList<>();
        for (TemplateName t : TemplateName.values()) {
            for (LossMode m : LossMode.values()) {
                out.add(Arguments.of(t, m));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("templatesAndModes")
    void idsAreTheWholeTextAndTrainedTokensAreExactlyTheReplies(TemplateName name, LossMode mode) {
        TemplateSpecs.Spec spec = TemplateSpecs.of(name);
        HfTokenizer tok = spec.tokenizer();
        ChatTemplate template = name.create(tok.templateTokens(), RoleMarkers.MFTCODER);
        List<Conversation> conversations = conversations();

        EncodedExamples encoded = new ExampleEncoder(tok, template, mode, 1 << 20, Truncation.DROP)
                .encodeAll(conversations, 0);

        List<String> texts = new ArrayList<>();
        List<String> trained = new ArrayList<>();
        for (Conversation c : conversations) {
            int replies = c.replyCount();
            switch (mode) {
                case EFFICIENT -> {
                    texts.add(spec.text(c));
                    StringBuilder all = new StringBuilder();
                    for (int i = 0; i < replies; i++) {
                        all.append(spec.span(c, i));
                    }
                    trained.add(all.toString());
                }
                case LAST_RESPONSE -> {
                    texts.add(spec.text(c));
                    trained.add(spec.span(c, replies - 1));
                }
                case SPLIT_EXAMPLE -> {
                    for (int i = 0; i < replies; i++) {
                        texts.add(spec.text(c.upToReply(i)));
                        trained.add(spec.span(c.upToReply(i), i));
                    }
                }
            }
        }
        assertEquals(texts.size(), encoded.examples().size());
        for (int e = 0; e < texts.size(); e++) {
            TokenizedExample ex = encoded.examples().get(e);
            assertArrayEquals(tok.encode(texts.get(e)).ids(), ex.inputIds(), "example " + e + " ids");
            int[] trainedIds = Arrays.stream(ex.labels()).filter(l -> l != TokenizedExample.IGNORE_INDEX).toArray();
            assertEquals(trained.get(e), tok.decode(trainedIds), "example " + e + " trained tokens");
        }
    }

    @Test
    void alpacaRepliesAreReadAsTheFileHoldsThem() {
        // the conversations fed to the templates carry the replies exactly as the files hold them
        List<Conversation> read = RealData.read(RealData.alpaca(), PER_FILE);
        List<List<String>> raw = RealData.replies(RealData.alpaca(), PER_FILE);
        for (int i = 0; i < read.size(); i++) {
            assertEquals(raw.get(i), TemplateSpecs.replies(read.get(i)));
        }
    }

    /** Alpaca single turns and FastChat multi-turn conversations, every other FastChat one given a system message. */
    static List<Conversation> conversations() {
        List<Conversation> out = new ArrayList<>(RealData.read(RealData.alpaca(), PER_FILE));
        List<Conversation> chats = RealData.read(RealData.fastChat(), PER_FILE);
        List<List<String>> raw = RealData.replies(RealData.fastChat(), PER_FILE);
        for (int i = 0; i < chats.size(); i++) {
            Conversation c = chats.get(i);
            assertEquals(raw.get(i), TemplateSpecs.replies(c));
            out.add(i % 2 == 0 ? c : new Conversation(c.origin(), SYSTEM, c.turns()));
        }
        return out;
    }
}
