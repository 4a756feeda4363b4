package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The config key {@code loss_mode}: which replies of a multi-turn conversation are trained, in which examples.
 * FastChat's boolean flags {@code efficient_loss}, {@code last_response_loss} and {@code split_example_loss} name
 * the same three modes.
 */
public enum LossMode {
    /** One example per conversation, every reply trained (MFTCoder's behaviour; the default). */
    EFFICIENT,
    /** One example per conversation, only the last reply trained; earlier turns are context. */
    LAST_RESPONSE,
    /** A conversation with N replies becomes N examples; example i holds turns up to reply i and trains reply i. */
    SPLIT_EXAMPLE;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The rendered training examples of {@code conversation} under this mode. */
    public List<RenderedConversation> examples(Conversation conversation, ChatTemplate template) {
        return switch (this) {
            case EFFICIENT -> List.of(template.render(conversation));
            case LAST_RESPONSE -> {
                RenderedConversation all = template.render(conversation);
                yield List.of(all.trainOnly(conversation.replyCount() - 1));
            }
            case SPLIT_EXAMPLE -> {
                List<RenderedConversation> out = new ArrayList<>();
                for (int r = 0; r < conversation.replyCount(); r++) {
                    // rendered on its own: a template may write the end of a conversation differently
                    out.add(template.render(conversation.upToReply(r)).trainOnly(r));
                }
                yield out;
            }
        };
    }
}
