package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;

/**
 * ChatML, as Qwen uses it: {@code <|im_start|>role\ncontent<|im_end|>\n} per message. A reply trains its content
 * and {@code <|im_end|>}; the newline after it is context. The {@code qwen} flavour adds Qwen2.5's default system
 * message when a conversation has none, exactly as Qwen2.5's own chat_template does.
 */
public final class ChatmlTemplate implements ChatTemplate {

    /** The system message Qwen2.5's chat_template writes when there is none. */
    public static final String QWEN_DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
    static final String START = "<|im_start|>";
    static final String END = "<|im_end|>";

    private final String defaultSystem;

    /** @param defaultSystem written when a conversation has no system message; null = no system block then */
    public ChatmlTemplate(String defaultSystem) {
        this.defaultSystem = defaultSystem;
    }

    /** Plain ChatML: no system block unless the conversation has one. */
    public static ChatmlTemplate chatml() {
        return new ChatmlTemplate(null);
    }

    /** Qwen2.5: ChatML with Qwen's default system message. */
    public static ChatmlTemplate qwen() {
        return new ChatmlTemplate(QWEN_DEFAULT_SYSTEM);
    }

    @Override
    public RenderedConversation render(Conversation conversation) {
        Segments out = new Segments();
        String system = conversation.system() != null ? conversation.system() : defaultSystem;
        if (system != null) {
            out.context(START + "system\n" + system + END + "\n");
        }
        for (Turn turn : conversation.turns()) {
            if (turn.role() == Role.USER) {
                out.context(START + "user\n" + turn.content() + END + "\n" + START + "assistant\n");
            } else {
                out.reply(turn.content() + END).context("\n");
            }
        }
        return out.build();
    }
}
