package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.util.List;

/**
 * Yuan2's chat format: turns joined with {@code <n>}, the prompt of the last reply ends with {@code <sep>} and that
 * reply with {@code <eod>}: {@code [system\n]u1<n>a1<n>u2<sep>a2<eod>}. Every mode renders the same text; earlier
 * replies (trained under efficient loss) end with their {@code <n>}.
 *
 * <p>FastChat's Yuan2 template strips with {@code rstrip("<n>")}, which also eats a trailing 'n', '<' or '>' of the
 * last message: that bug is not reproduced.
 */
public final class Yuan2Template implements ChatTemplate {

    /** End of text: the EOS of Yuan2 models. */
    public static final String EOD = "<eod>";
    /** Ends the prompt of the reply to generate. */
    public static final String SEP = "<sep>";
    /** Joins turns. */
    public static final String NEWLINE = "<n>";
    /** The special tokens FastChat's train_yuan2.py adds to the tokenizer (plus {@code <n>}, a token in Yuan2's vocab). */
    public static final List<String> SPECIAL_TOKENS = List.of(EOD, SEP, "<pad>", "<mask>", "<predict>",
            "<FIM_SUFFIX>", "<FIM_PREFIX>", "<FIM_MIDDLE>", "<commit_before>", "<commit_msg>", "<commit_after>",
            "<jupyter_start>", "<jupyter_text>", "<jupyter_code>", "<jupyter_output>", "<empty_output>", NEWLINE);

    @Override
    public RenderedConversation render(Conversation conversation) {
        Segments out = new Segments();
        if (conversation.system() != null) {
            out.context(conversation.system() + "\n");
        }
        List<Turn> turns = conversation.turns();
        int lastReply = -1;
        for (int i = 0; i < turns.size(); i++) {
            lastReply = turns.get(i).role() == Role.ASSISTANT ? i : lastReply;
        }
        for (int i = 0; i < turns.size(); i++) {
            Turn turn = turns.get(i);
            boolean beforeLastReply = i + 1 == lastReply;
            if (turn.role() == Role.USER) {
                String joiner = beforeLastReply ? SEP : (i + 1 < turns.size() ? NEWLINE : "");
                out.context(turn.content() + joiner);
            } else {
                out.reply(turn.content() + (i == lastReply ? EOD : NEWLINE));
            }
        }
        return out.build();
    }
}
