package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.util.Objects;

/**
 * FastChat's {@code vicuna_v1.1} format ({@code ADD_COLON_TWO}, sep " ", sep2 = the EOS text):
 * {@code SYSTEM USER: u1 ASSISTANT: a1</s>USER: u2 ASSISTANT: a2</s>}.
 *
 * <p>The trained span of a reply is {@code " " + reply + eos}: the space after {@code ASSISTANT:} belongs to the
 * reply because every BPE tokenizer glues a leading space to the first word, so a token boundary never falls
 * between them.
 */
public final class VicunaTemplate implements ChatTemplate {

    /** FastChat's default system message of vicuna_v1.1. */
    public static final String DEFAULT_SYSTEM = "A chat between a curious user and an artificial intelligence"
            + " assistant. The assistant gives helpful, detailed, and polite answers to the user's questions.";

    private final String eosText;

    public VicunaTemplate(String eosText) {
        this.eosText = Objects.requireNonNull(eosText, "eosText");
    }

    @Override
    public RenderedConversation render(Conversation conversation) {
        Segments out = new Segments();
        out.context((conversation.system() != null ? conversation.system() : DEFAULT_SYSTEM) + " ");
        for (Turn turn : conversation.turns()) {
            if (turn.role() == Role.USER) {
                out.context("USER: " + turn.content() + " ASSISTANT:");
            } else {
                out.reply(" " + turn.content() + eosText);
            }
        }
        return out.build();
    }
}
