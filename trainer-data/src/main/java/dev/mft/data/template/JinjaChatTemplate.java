package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's own Jinja {@code chat_template} (tokenizer_config.json), with the trained spans found exactly.
 *
 * <p>How the spans are found: the template is rendered twice, once with the real messages and once with each
 * message's content replaced by a unique marker. The marker rendering shows the template's own text and where
 * each message goes; substituting each message back (as written, or trimmed, as templates often do) must rebuild
 * the real rendering character for character, or the template is refused. A reply's span is its content plus the
 * end-of-turn token the template writes right after it (after whitespace at most), e.g. {@code <|im_end|>},
 * {@code <|eot_id|>}, {@code </s>}. Messages the template leaves out are simply absent.
 */
public final class JinjaChatTemplate implements ChatTemplate {

    /** End-of-turn token texts a template may write after a reply (the tokenizer's EOS always counts too). */
    public static final List<String> END_OF_TURN_TOKENS = List.of("<|im_end|>", "<|eot_id|>", "<|eom_id|>",
            "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "</s>", "<eod>");
    private static final Pattern MARKER = Pattern.compile("\uE000(\\d+)\uE001");

    private final String source;
    private final String bosText;
    private final String eosText;
    private final List<String> endTokens;

    /**
     * @param source the template text
     * @param bosText the tokenizer's BOS text, or null (templates then see an empty bos_token)
     * @param eosText the tokenizer's EOS text
     */
    public JinjaChatTemplate(String source, String bosText, String eosText) {
        this.source = Objects.requireNonNull(source, "source");
        this.bosText = bosText;
        this.eosText = Objects.requireNonNull(eosText, "eosText");
        List<String> ends = new ArrayList<>(END_OF_TURN_TOKENS);
        ends.add(eosText);
        ends.sort(Comparator.comparingInt(String::length).reversed()); // longest match first
        this.endTokens = List.copyOf(ends);
    }

    @Override
    public RenderedConversation render(Conversation conversation) {
        List<Map<String, Object>> messages = messages(conversation);
        List<Map<String, Object>> markers = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Map<String, Object> m = new LinkedHashMap<>(messages.get(i));
            m.put("content", "\uE000" + i + "\uE001");
            markers.add(m);
        }
        String real;
        String layout;
        try {
            real = JinjaRenderer.render(source, messages, bosText, eosText);
            layout = JinjaRenderer.render(source, markers, bosText, eosText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(conversation.origin() + ": " + e.getMessage(), e);
        }
        return align(real, layout, messages, conversation.origin());
    }

    private static List<Map<String, Object>> messages(Conversation c) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (c.system() != null) {
            out.add(Map.of("role", "system", "content", c.system()));
        }
        for (Turn t : c.turns()) {
            out.add(Map.of("role", t.role() == Role.USER ? "user" : "assistant", "content", t.content()));
        }
        return out;
    }

    /** Rebuilds {@code real} from {@code layout}'s pieces, marking each reply and its end-of-turn token. */
    private RenderedConversation align(String real, String layout, List<Map<String, Object>> messages, String origin) {
        List<Object> pieces = pieces(layout, messages.size(), origin);
        Segments out = new Segments();
        int pos = 0;
        for (int p = 0; p < pieces.size(); p++) {
            Object piece = pieces.get(p);
            if (piece instanceof String literal) {
                if (!real.startsWith(literal, pos)) {
                    throw mismatch(origin, pos);
                }
                out.context(literal);
                pos += literal.length();
                continue;
            }
            Map<String, Object> message = messages.get((Integer) piece);
            String next = p + 1 < pieces.size() && pieces.get(p + 1) instanceof String s ? s : null;
            String content = placed((String) message.get("content"), real, pos, next, p + 1 == pieces.size());
            if (content == null) {
                throw mismatch(origin, pos);
            }
            pos += content.length();
            if (!"assistant".equals(message.get("role"))) {
                out.context(content);
                continue;
            }
            String end = next == null ? "" : endOfTurn(next);
            out.reply(content + end);
            if (!end.isEmpty()) {
                pieces.set(p + 1, next.substring(end.length()));
                pos += end.length();
            }
        }
        if (pos != real.length()) {
            throw mismatch(origin, pos);
        }
        return out.build();
    }

    /** The layout split into literal strings and message indices (Integer), each message at most once. */
    private static List<Object> pieces(String layout, int messages, String origin) {
        List<Object> pieces = new ArrayList<>();
        boolean[] seen = new boolean[messages];
        Matcher m = MARKER.matcher(layout);
        int last = 0;
        while (m.find()) {
            pieces.add(layout.substring(last, m.start()));
            int index = Integer.parseInt(m.group(1));
            if (seen[index]) {
                throw new IllegalArgumentException(origin + ": the chat_template writes message " + index
                        + " twice; mft cannot tell which copy is trained (use a built-in chat_template)");
            }
            seen[index] = true;
            pieces.add(index);
            last = m.end();
        }
        pieces.add(layout.substring(last));
        return pieces;
    }

    /** The form of {@code content} the template wrote at {@code pos} (as is, or trimmed), or null. */
    private static String placed(String content, String real, int pos, String next, boolean lastPiece) {
        for (String candidate : new String[] {content, content.strip(), content.trim()}) {
            if (!real.startsWith(candidate, pos)) {
                continue;
            }
            int end = pos + candidate.length();
            boolean fits = next != null ? real.startsWith(next, end) : !lastPiece || end == real.length();
            if (fits) {
                return candidate;
            }
        }
        return null;
    }

    /** The whitespace + end-of-turn token that {@code following} starts with, or "" when it starts with none. */
    private String endOfTurn(String following) {
        int i = 0;
        while (i < following.length() && Character.isWhitespace(following.charAt(i))) {
            i++;
        }
        for (String token : endTokens) {
            if (following.startsWith(token, i)) {
                return following.substring(0, i + token.length());
            }
        }
        return "";
    }

    private static IllegalArgumentException mismatch(String origin, int pos) {
        return new IllegalArgumentException(origin + ": the chat_template changes message text in a way mft cannot"
                + " map back (at character " + pos + " of the rendering); only templates that write each message"
                + " as is or trimmed are supported: use a built-in chat_template");
    }
}
