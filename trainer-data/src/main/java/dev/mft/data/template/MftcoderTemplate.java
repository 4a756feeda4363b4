package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.util.ArrayList;
import java.util.List;
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
        List<Segment> segments = new ArrayList<>();
        if (conversation.system() != null) {
            segments.add(new Segment(markers.system() + conversation.system() + "\n", false));
        }
        for (Turn turn : conversation.turns()) {
            if (turn.role() == Role.USER) {
                segments.add(new Segment(markers.user() + turn.content() + "\n" + markers.assistant(), false));
            } else {
                segments.add(new Segment(turn.content() + "\n" + eosText, true));
                segments.add(new Segment("\n", false));
            }
        }
        return new RenderedConversation(segments);
    }
}
