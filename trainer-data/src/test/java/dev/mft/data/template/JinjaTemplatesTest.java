package dev.mft.data.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mft.data.RealTokenizers;
import dev.mft.data.SharedAssets;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The model's own Jinja chat_template, rendered by Jinjava, against the built-in template of the same family. */
class JinjaTemplatesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "Qwen-Qwen2.5-7B-Instruct.jinja,            qwen,     qwen2_5,        true",
        "meta-llama-Llama-3.1-8B-Instruct.jinja,    llama3.1, llama3,         true",
        // Mistral's template drops the system message of a conversation that ends with a reply (see MistralTemplate)
        "mistralai-Mistral-Nemo-Instruct-2407.jinja, mistral,  mistral7b-v0.1, false",
    })
    void realTemplatesRenderLikeTheBuiltInOfTheirFamily(String file, String builtIn, String tokenizer,
            boolean withSystem) throws IOException {
        String source = Files.readString(SharedAssets.dir().resolve("chat-templates").resolve(file));
        TemplateTokens tokens = RealTokenizers.get(tokenizer).templateTokens();
        ChatTemplate jinja = new JinjaChatTemplate(source, tokens.bos(), tokens.eos());
        ChatTemplate reference = TemplateName.of(builtIn).create(tokens, RoleMarkers.MFTCODER);

        int compared = 0;
        for (Conversation c : TemplatesOnRealDataTest.conversations()) {
            if (c.system() != null && !withSystem) {
                continue;
            }
            for (LossMode mode : LossMode.values()) {
                assertEquals(mode.examples(c, reference), mode.examples(c, jinja), c.origin() + " " + mode);
                compared++;
            }
        }
        assertTrue(compared >= 180, "compared " + compared);
    }

    @Test
    void theTokenizersOwnTemplateIsUsedForChatTemplateTokenizer() {
        TemplateTokens qwen = RealTokenizers.get("qwen2_5").templateTokens();
        Conversation c = new Conversation("t", null, List.of(Turn.user("hi"), Turn.assistant("yo")));

        RenderedConversation r = TemplateName.TOKENIZER.create(qwen, RoleMarkers.MFTCODER).render(c);

        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nyo<|im_end|>\n", r.text());
        assertEquals("yo<|im_end|>", r.trainedText());
    }

    @Test
    void trimmedMessagesAreFoundAndOnlyTheEndOfTurnTokenAfterAReplyIsTrained() {
        String template = "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content | trim }}"
                + "{% if m.role == 'assistant' %}</s>{% endif %}{% endfor %}";
        Conversation c = new Conversation("t", "  sys ", List.of(Turn.user(" q "), Turn.assistant(" a1\n"),
                Turn.user("q2"), Turn.assistant("a2")));

        RenderedConversation r = new JinjaChatTemplate(template, "<s>", "</s>").render(c);

        assertEquals("<s><system>sys<user>q<assistant>a1</s><user>q2<assistant>a2</s>", r.text());
        assertEquals(List.of(Segment.context("<s><system>sys<user>q<assistant>"), Segment.reply("a1</s>", 0),
                Segment.context("<user>q2<assistant>"), Segment.reply("a2</s>", 1)), r.segments());
    }

    @Test
    void aTemplateThatRewritesMessagesOrRaisesIsRefusedWithTheReason() {
        Conversation c = new Conversation("data.json:3", null, List.of(Turn.user("q"), Turn.assistant("a")));
        JinjaChatTemplate upper = new JinjaChatTemplate(
                "{% for m in messages %}{{ m.content | upper }}{% endfor %}", null, "</s>");
        JinjaChatTemplate raising = new JinjaChatTemplate(
                "{{ raise_exception('Conversation roles must alternate') }}", null, "</s>");

        IllegalArgumentException rewritten = assertThrows(IllegalArgumentException.class, () -> upper.render(c));
        IllegalArgumentException raised = assertThrows(IllegalArgumentException.class, () -> raising.render(c));

        assertTrue(rewritten.getMessage().startsWith("data.json:3: "), rewritten.getMessage());
        assertTrue(rewritten.getMessage().contains("use a built-in chat_template"), rewritten.getMessage());
        assertTrue(raised.getMessage().contains("Conversation roles must alternate"), raised.getMessage());
    }
}
