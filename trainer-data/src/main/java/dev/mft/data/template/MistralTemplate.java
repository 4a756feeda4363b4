package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.util.List;
import java.util.Objects;

/**
 * Mistral Instruct in the layout of Mistral-Nemo-Instruct-2407's template: BOS, then {@code [INST]user[/INST]} and
 * {@code reply</s>} per turn, no spaces; a reply trains its text and EOS.
 *
 * <p>The system message goes in front of the last user turn (the one that prompts the final reply when the conversation ends with one), joined by
 * {@code "\n\n"}. (Mistral's template attaches it to the final user message of what it renders, so for a
 * conversation that ends with a reply, as training data does, it drops the system message; writing it where an
 * inference prompt would carry it keeps the system message instead of losing it silently.)
 */
public final class MistralTemplate implements ChatTemplate {

    private final String bosText;
    private final String eosText;

    public MistralTemplate(String bosText, String eosText) {
        this.bosText = Objects.requireNonNull(bosText, "bosText (Mistral tokenizers have <s>)");
        this.eosText = Objects.requireNonNull(eosText, "eosText");
    }

    @Override
    public RenderedConversation render(Conversation conversation) {
        List<Turn> turns = conversation.turns();
        // the user turn an inference prompt would end with: the last one, or the one before the final reply
        int systemTurn = turns.get(turns.size() - 1).role() == Role.USER ? turns.size() - 1 : turns.size() - 2;
        Segments out = new Segments().context(bosText);
        for (int i = 0; i < turns.size(); i++) {
            Turn turn = turns.get(i);
            if (turn.role() == Role.USER) {
                String system = i == systemTurn && conversation.system() != null ? conversation.system() + "\n\n" : "";
                out.context("[INST]" + system + turn.content() + "[/INST]");
            } else {
                out.reply(turn.content() + eosText);
            }
        }
        return out.build();
    }
}
