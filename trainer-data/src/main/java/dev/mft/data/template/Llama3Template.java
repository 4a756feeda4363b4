package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.util.Objects;

/**
 * Llama 3 Instruct: BOS, then per message {@code <|start_header_id|>role<|end_header_id|>\n\n} + content (trimmed,
 * as Meta's template does) + {@code <|eot_id|>}; a reply trains its trimmed content and {@code <|eot_id|>}.
 *
 * <p>The {@code llama3.1} flavour writes Llama 3.1's system block on every conversation, as its template does:
 * {@code Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n} followed by the system message.
 */
public final class Llama3Template implements ChatTemplate {

    static final String EOT = "<|eot_id|>";
    /** The header Llama 3.1's template writes before the system message (with its default date_string). */
    public static final String LLAMA31_SYSTEM_HEADER =
            "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";

    private final String bosText;
    private final boolean llama31;

    /**
     * @param bosText the tokenizer's BOS text ({@code <|begin_of_text|>})
     * @param llama31 write Llama 3.1's system block on every conversation
     */
    public Llama3Template(String bosText, boolean llama31) {
        this.bosText = Objects.requireNonNull(bosText, "bosText (Llama 3 tokenizers have <|begin_of_text|>)");
        this.llama31 = llama31;
    }

    @Override
    public RenderedConversation render(Conversation conversation) {
        Segments out = new Segments().context(bosText);
        if (llama31) {
            String system = conversation.system() == null ? "" : conversation.system().strip();
            out.context(header("system") + LLAMA31_SYSTEM_HEADER + system + EOT);
        } else if (conversation.system() != null) {
            out.context(header("system") + conversation.system().strip() + EOT);
        }
        for (Turn turn : conversation.turns()) {
            if (turn.role() == Role.USER) {
                out.context(header("user") + turn.content().strip() + EOT + header("assistant"));
            } else {
                out.reply(turn.content().strip() + EOT);
            }
        }
        return out.build();
    }

    private static String header(String role) {
        return "<|start_header_id|>" + role + "<|end_header_id|>\n\n";
    }
}
