package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.util.Objects;

/**
 * MFTCoder's default chat format.
 *
 * <pre>
 * system     markers.system + content + "\n"                       not trained
 * user       markers.user + content + "\n" + markers.assistant      not trained
 * assistant  content + "\n" + eos text                              trained
 *            "\n"                                                   not trained
 * </pre>
 *
 * <p>The EOS token is written as its text; the tokenizer turns it into the single EOS id because
 * it is an added special token (checked when the tokenizer resolves its special tokens).
 */
public final class MftcoderTemplate implements ChatTemplate {

    private final RoleMarkers markers;
    private final String eosText;

    public MftcoderTemplate(RoleMarkers markers, String eosText) {
        this.markers = Objects.requireNonNull(markers, "markers");
        this.eosText = Objects.requireNonNull(eosText, "eosText");
        if (eosText.isEmpty()) {
            throw new IllegalArgumentException("eos token text is empty; expected e.g. \"</s>\"");
        }
    }

    @Override
    public RenderedConversation render(Conversation conversation) {
        Segments out = new Segments();
        if (conversation.system() != null) {
            out.context(markers.system() + conversation.system() + "\n");
        }
        for (Turn turn : conversation.turns()) {
            if (turn.role() == Role.USER) {
                out.context(markers.user() + turn.content() + "\n" + markers.assistant());
            } else {
                out.reply(turn.content() + "\n" + eosText).context("\n");
            }
        }
        return out.build();
    }
}
