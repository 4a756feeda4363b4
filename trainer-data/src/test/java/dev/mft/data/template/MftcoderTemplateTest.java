package dev.mft.data.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Turn;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MftcoderTemplateTest {

    private static final Conversation TWO_ROUNDS = new Conversation("t", "Be brief.",
            List.of(Turn.user("1+1?"), Turn.assistant("2"), Turn.user("2+2?"), Turn.assistant("4")));

    @Test
    void rendersMftcoderDefaultFormatWithOnlyRepliesAndEosTrained() {
        RenderedConversation r = new MftcoderTemplate(RoleMarkers.MFTCODER, "</s>").render(TWO_ROUNDS);

        assertEquals(List.of(
                Segment.context("<s>system\nBe brief.\n<s>human\n1+1?\n<s>bot\n"),
                Segment.reply("2\n</s>", 0),
                Segment.context("\n<s>human\n2+2?\n<s>bot\n"),
                Segment.reply("4\n</s>", 1),
                Segment.context("\n")), r.segments());
        assertEquals("<s>system\nBe brief.\n<s>human\n1+1?\n<s>bot\n2\n</s>\n<s>human\n2+2?\n<s>bot\n4\n</s>\n",
                r.text());
        assertEquals("2\n</s>4\n</s>", r.trainedText());
    }

    @Test
    void withoutSystemMessageStartsWithTheUserMarker() {
        Conversation c = new Conversation("t", null, List.of(Turn.user("hi"), Turn.assistant("yo")));

        String text = new MftcoderTemplate(RoleMarkers.MFTCODER, "<|im_end|>").render(c).text();

        assertEquals("<s>human\nhi\n<s>bot\nyo\n<|im_end|>\n", text);
    }

    @Test
    void roleMarkersFromConfigReplaceTheThreeMarkers() {
        RoleMarkers markers = RoleMarkers.fromConfig(
                Map.of("system", "[S]", "user", "[U]", "assistant", "[A]"));

        String text = new MftcoderTemplate(markers, "</s>").render(TWO_ROUNDS).text();

        assertEquals("[S]Be brief.\n[U]1+1?\n[A]2\n</s>\n[U]2+2?\n[A]4\n</s>\n", text);
    }

    @Test
    void nullRoleMarkersMeanTheDefaults() {
        assertSame(RoleMarkers.MFTCODER, RoleMarkers.fromConfig(null));
    }

    @Test
    void roleMarkersRejectUnknownAndMissingKeys() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> RoleMarkers.fromConfig(
                Map.of("system", "a", "user", "b", "assistant", "c", "bot", "d")));
        assertTrue(unknown.getMessage().contains("unknown key(s) [bot]"), unknown.getMessage());

        Map<String, String> noAssistant = new HashMap<>(Map.of("system", "a", "user", "b"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RoleMarkers.fromConfig(noAssistant));
        assertTrue(missing.getMessage().contains("role_markers.assistant is missing"), missing.getMessage());
    }
}
