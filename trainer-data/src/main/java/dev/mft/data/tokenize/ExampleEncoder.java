package dev.mft.data.tokenize;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.template.ChatTemplate;
import dev.mft.data.template.RenderedConversation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conversation to {@link TokenizedExample}: render with the template, tokenize the WHOLE string at
 * once (so ids are exactly what the tokenizer gives for the text the model sees), then label tokens
 * by {@link TokenLabels}' rule. Examples longer than seq_length are dropped, as MFTCoder does.
 */
public final class ExampleEncoder {

    private static final Logger LOG = LoggerFactory.getLogger(ExampleEncoder.class);
    // batch size for the native tokenizer: big enough to use its threads, small enough for memory
    private static final int CHUNK = 1024;

    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final int seqLength;

    public ExampleEncoder(TextTokenizer tokenizer, ChatTemplate template, int seqLength) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.template = Objects.requireNonNull(template, "template");
        if (seqLength < 2) {
            throw new IllegalArgumentException("seq_length " + seqLength + "; expected >= 2");
        }
        this.seqLength = seqLength;
    }

    /** The example, or empty when it has more than seq_length tokens. */
    public Optional<TokenizedExample> encode(Conversation conversation, int taskId) {
        RenderedConversation rendered = template.render(conversation);
        return toExample(rendered, tokenizer.encode(rendered.text()), taskId);
    }

    /** Encodes every conversation of one task, in order, counting those dropped for length. */
    public EncodedExamples encodeAll(List<Conversation> conversations, int taskId) {
        List<TokenizedExample> examples = new ArrayList<>(conversations.size());
        int dropped = 0;
        String firstDropped = null;
        for (int from = 0; from < conversations.size(); from += CHUNK) {
            List<Conversation> chunk = conversations.subList(from, Math.min(from + CHUNK, conversations.size()));
            List<RenderedConversation> rendered = chunk.stream().map(template::render).toList();
            List<TokenEncoding> encodings =
                    tokenizer.encodeBatch(rendered.stream().map(RenderedConversation::text).toList());
            for (int i = 0; i < chunk.size(); i++) {
                Optional<TokenizedExample> example = toExample(rendered.get(i), encodings.get(i), taskId);
                if (example.isPresent()) {
                    examples.add(example.get());
                } else {
                    dropped++;
                    firstDropped = firstDropped == null ? chunk.get(i).origin() : firstDropped;
                }
            }
        }
        if (dropped > 0) {
            LOG.warn("task {}: dropped {} of {} conversations longer than seq_length {} (first: {})",
                    taskId, dropped, conversations.size(), seqLength, firstDropped);
        }
        return new EncodedExamples(examples, dropped, firstDropped);
    }

    private Optional<TokenizedExample> toExample(RenderedConversation rendered, TokenEncoding encoding, int taskId) {
        if (encoding.length() > seqLength) {
            return Optional.empty();
        }
        return Optional.of(new TokenizedExample(encoding.ids(), TokenLabels.of(encoding, rendered), taskId));
    }
}
