package dev.mft.data.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders HuggingFace chat templates (Jinja) with Jinjava, configured the way transformers configures Jinja2:
 * {@code trim_blocks} and {@code lstrip_blocks}, plus Jinjava's legacy override that makes {@code {{- ... }}} strip
 * whitespace (without it every turn gets the template's indentation, Jinjava issue #897). Registers the functions HF
 * templates call: {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class JinjaRenderer {

    private static final Jinjava JINJA = create();
    // Jinjava reports an exception thrown by a function without its message; the message is kept here instead
    private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private JinjaRenderer() {}

    private static Jinjava create() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true).build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaRenderer.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                JinjaRenderer.class, "strftimeNow", String.class));
        return jinjava;
    }

    /**
     * Renders {@code template} for {@code messages} (maps with "role" and "content"), without a generation prompt.
     *
     * @throws IllegalArgumentException when the template fails or raises
     */
    static String render(String template, List<Map<String, Object>> messages, String bosText, String eosText) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages);
        context.put("add_generation_prompt", false);
        context.put("bos_token", bosText == null ? "" : bosText);
        context.put("eos_token", eosText);
        RAISED.remove();
        RenderResult result = JINJA.renderForResult(template, context);
        String raised = RAISED.get();
        RAISED.remove();
        if (raised != null) {
            throw new IllegalArgumentException("the chat_template raised: " + raised);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("the chat_template failed at line " + error.getLineno() + ": "
                        + error.getMessage());
            }
        }
        return result.getOutput();
    }

    /** HF's {@code raise_exception}: the template refuses the conversation. */
    public static String raiseException(String message) {
        RAISED.set(message);
        throw new IllegalArgumentException("the chat_template raised: " + message);
    }

    /** HF's {@code strftime_now}: the current time in a Python strftime format (the common directives). */
    public static String strftimeNow(String format) {
        ZonedDateTime now = ZonedDateTime.now();
        Map<Character, String> patterns = Map.of('d', "dd", 'b', "MMM", 'B', "MMMM", 'Y', "yyyy", 'y', "yy",
                'm', "MM", 'H', "HH", 'M', "mm", 'S', "ss", 'A', "EEEE");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '%' && i + 1 < format.length() && patterns.containsKey(format.charAt(i + 1))) {
                out.append(now.format(DateTimeFormatter.ofPattern(patterns.get(format.charAt(++i)), Locale.ENGLISH)));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
