package dev.mft.data.template;

import dev.mft.data.RealTokenizers;
import dev.mft.data.conversation.Conversation;
import dev.mft.data.conversation.Role;
import dev.mft.data.conversation.Turn;
import dev.mft.data.tokenize.HfTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Each template's format written out by hand from its source (REFERENCES.md, FastChat's conversation.py, the
 * models' published chat templates): the oracle the template classes are tested against.
 */
final class TemplateSpecs {

    private TemplateSpecs() {}

    /** A template with a tokenizer to test it with, its full text and each reply's trained span, by hand. */
    interface Spec {
        HfTokenizer tokenizer();

        String text(Conversation c);

        /** The trained text of reply {@code i} in the rendering of {@code c}. */
        String span(Conversation c, int i);
    }

    static Spec of(TemplateName name) {
        return switch (name) {
            case MFTCODER -> spec("qwen2_5", c -> {
                StringBuilder s = new StringBuilder();
                if (c.system() != null) {
                    s.append("<s>system\n").append(c.system()).append("\n");
                }
                for (Turn t : c.turns()) {
                    s.append(t.role() == Role.USER ? "<s>human\n" + t.content() + "\n<s>bot\n"
                            : t.content() + "\n<|im_end|>\n");
                }
                return s.toString();
            }, (c, i) -> replies(c).get(i) + "\n<|im_end|>");
            case VICUNA_V1_1 -> spec("llama3", c -> {
                StringBuilder s = new StringBuilder(c.system() != null ? c.system() : VicunaTemplate.DEFAULT_SYSTEM);
                s.append(" ");
                for (Turn t : c.turns()) {
                    s.append(t.role() == Role.USER ? "USER: " + t.content() + " " : "ASSISTANT: " + t.content()
                            + "<|end_of_text|>");
                }
                return s.toString();
            }, (c, i) -> " " + replies(c).get(i) + "<|end_of_text|>");
            case YUAN2 -> new Spec() {
                public HfTokenizer tokenizer() {
                    return RealTokenizers.withTokens("gpt2", Yuan2Template.SPECIAL_TOKENS);
                }

                public String text(Conversation c) {
                    StringBuilder s = new StringBuilder(c.system() != null ? c.system() + "\n" : "");
                    List<Turn> turns = c.turns();
                    for (int k = 0; k < turns.size(); k++) {
                        boolean last = k == turns.size() - 1;
                        String joiner = last ? "<eod>" : k == turns.size() - 2 ? "<sep>" : "<n>";
                        s.append(turns.get(k).content()).append(joiner);
                    }
                    return s.toString();
                }

                public String span(Conversation c, int i) {
                    return replies(c).get(i) + (i == c.replyCount() - 1 ? "<eod>" : "<n>");
                }
            };
            case CHATML, QWEN, TOKENIZER -> spec("qwen2_5", c -> {
                StringBuilder s = new StringBuilder();
                String system = c.system() != null ? c.system()
                        : name == TemplateName.CHATML ? null : "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
                if (system != null) {
                    s.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
                }
                for (Turn t : c.turns()) {
                    s.append("<|im_start|>").append(t.role() == Role.USER ? "user" : "assistant").append("\n")
                            .append(t.content()).append("<|im_end|>\n");
                }
                return s.toString();
            }, (c, i) -> replies(c).get(i) + "<|im_end|>");
            case LLAMA3, LLAMA3_1 -> spec("llama3", c -> {
                StringBuilder s = new StringBuilder("<|begin_of_text|>");
                String date = name == TemplateName.LLAMA3_1
                        ? "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" : null;
                if (c.system() != null || date != null) {
                    s.append("<|start_header_id|>system<|end_header_id|>\n\n").append(date == null ? "" : date)
                            .append(c.system() == null ? "" : c.system().strip()).append("<|eot_id|>");
                }
                for (Turn t : c.turns()) {
                    s.append("<|start_header_id|>").append(t.role() == Role.USER ? "user" : "assistant")
                            .append("<|end_header_id|>\n\n").append(t.content().strip()).append("<|eot_id|>");
                }
                return s.toString();
            }, (c, i) -> replies(c).get(i).strip() + "<|eot_id|>");
            case MISTRAL -> spec("mistral7b-v0.1", c -> {
                StringBuilder s = new StringBuilder("<s>");
                List<Turn> turns = c.turns();
                int lastUser = turns.get(turns.size() - 1).role() == Role.USER ? turns.size() - 1 : turns.size() - 2;
                for (int k = 0; k < turns.size(); k++) {
                    Turn t = turns.get(k);
                    String system = k == lastUser && c.system() != null ? c.system() + "\n\n" : "";
                    s.append(t.role() == Role.USER ? "[INST]" + system + t.content() + "[/INST]" : t.content() + "</s>");
                }
                return s.toString();
            }, (c, i) -> replies(c).get(i) + "</s>");
        };
    }

    private interface Text {
        String of(Conversation c);
    }

    private interface Span {
        String of(Conversation c, int i);
    }

    private static Spec spec(String tokenizer, Text text, Span span) {
        return new Spec() {
            public HfTokenizer tokenizer() {
                return RealTokenizers.get(tokenizer);
            }

            public String text(Conversation c) {
                return text.of(c);
            }

            public String span(Conversation c, int i) {
                return span.of(c, i);
            }
        };
    }

    static List<String> replies(Conversation c) {
        List<String> out = new ArrayList<>();
        for (Turn t : c.turns()) {
            if (t.role() == Role.ASSISTANT) {
                out.add(t.content());
            }
        }
        return out;
    }
}
