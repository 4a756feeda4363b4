package dev.mft.data.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConversationTest {

    @Test
    void countsReplies() {
        Conversation c = new Conversation("o", null,
                List.of(Turn.user("a"), Turn.assistant("b"), Turn.user("c"), Turn.assistant("d"), Turn.user("e")));

        assertEquals(2, c.replyCount());
    }

    @Test
    void rejectsTurnsThatDoNotAlternate() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Conversation("o", null,
                List.of(Turn.user("a"), Turn.assistant("b"), Turn.assistant("c"))));

        assertTrue(e.getMessage().contains("turns 2 and 3 are two assistant replies in a row"), e.getMessage());
    }

    @Test
    void aSystemMessageIsNotATurn() {
        assertThrows(IllegalArgumentException.class, () -> new Turn(Role.SYSTEM, "s"));
    }
}
