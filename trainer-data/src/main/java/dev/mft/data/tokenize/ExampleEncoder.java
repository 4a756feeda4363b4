package dev.mft.data.tokenize;

import dev.mft.data.conversation.Conversation;
import dev.mft.data.template.ChatTemplate;
import dev.mft.data.template.LossMode;
import dev.mft.data.template.RenderedConversation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conversations to {@link TokenizedExample}s: the loss mode renders each conversation into its examples with the
 * template, the WHOLE rendered string of an example is tokenized at once (so ids are exactly what the tokenizer gives
 * for the text the model sees), tokens are labelled by {@link TokenLabels}' rule from their character spans, and
 * examples longer than seq_length are dropped or truncated as configured, and counted.
 */
public final class ExampleEncoder {

    private static final Logger LOG = LoggerFactory.getLogger(ExampleEncoder.class);
    // batch size for the native tokenizer: big enough to use its threads, small enough for memory
    private static final int CHUNK = 1024;

    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final LossMode lossMode;
    private final int seqLength;
    private final Truncation truncation;

    /** Efficient loss, over-long examples dropped (MFTCoder's behaviour). */
    public ExampleEncoder(TextTokenizer tokenizer, ChatTemplate template, int seqLength) {
        this(tokenizer, template, LossMode.EFFICIENT, seqLength, Truncation.DROP);
    }

    public ExampleEncoder(TextTokenizer tokenizer, ChatTemplate template, LossMode lossMode, int seqLength,
            Truncation truncation) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.template = Objects.requireNonNull(template, "template");
        this.lossMode = Objects.requireNonNull(lossMode, "lossMode");
        this.truncation = Objects.requireNonNull(truncation, "truncation");
        if (seqLength < 2) {
            throw new IllegalArgumentException("seq_length " + seqLength + "; expected >= 2");
        }
        this.seqLength = seqLength;
    }

    /** The first example of {@code conversation}, or empty when it was dropped. */
    public Optional<TokenizedExample> encode(Conversation conversation, int taskId) {
        return encodeDetailed(List.of(conversation), taskId).stream()
                .map(EncodedExample::example).filter(Objects::nonNull).findFirst();
    }

    /** Encodes every conversation of one task, in order, counting what was dropped or truncated. */
    public EncodedExamples encodeAll(List<Conversation> conversations, int taskId) {
        List<EncodedExample> detailed = encodeDetailed(conversations, taskId);
        List<TokenizedExample> examples = new ArrayList<>(detailed.size());
        int tooLong = 0;
        int truncated = 0;
        int nothingTrained = 0;
        String firstDropped = null;
        for (EncodedExample e : detailed) {
            switch (e.outcome()) {
                case KEPT -> examples.add(e.example());
                case TRUNCATED -> {
                    examples.add(e.example());
                    truncated++;
                }
                case DROPPED_TOO_LONG -> tooLong++;
                case DROPPED_NOTHING_TRAINED -> nothingTrained++;
            }
            if (e.example() == null && firstDropped == null) {
                firstDropped = e.origin();
            }
        }
        EncodeStats stats = new EncodeStats(conversations.size(), detailed.size(), tooLong, truncated,
                nothingTrained, firstDropped);
        if (stats.dropped() > 0) {
            LOG.warn("task {}: dropped {} of {} examples longer than seq_length {} (first: {})",
                    taskId, stats.dropped(), detailed.size(), seqLength, firstDropped);
        }
        return new EncodedExamples(examples, stats);
    }

    /** Every rendered example with its encoding and outcome (what {@code mft data inspect} shows). */
    public List<EncodedExample> encodeDetailed(List<Conversation> conversations, int taskId) {
        List<EncodedExample> out = new ArrayList<>(conversations.size());
        List<RenderedConversation> rendered = new ArrayList<>(Math.min(CHUNK, conversations.size()));
        List<String> origins = new ArrayList<>();
        for (Conversation c : conversations) {
            for (RenderedConversation r : lossMode.examples(c, template)) {
                rendered.add(r);
                origins.add(c.origin());
            }
            if (rendered.size() >= CHUNK) {
                encodeChunk(rendered, origins, taskId, out);
            }
        }
        encodeChunk(rendered, origins, taskId, out);
        return out;
    }

    private void encodeChunk(List<RenderedConversation> rendered, List<String> origins, int taskId,
            List<EncodedExample> out) {
        if (rendered.isEmpty()) {
            return;
        }
        List<TokenEncoding> encodings = tokenizer.encodeBatch(rendered.stream().map(RenderedConversation::text).toList());
        for (int i = 0; i < rendered.size(); i++) {
            out.add(toExample(origins.get(i), rendered.get(i), encodings.get(i), taskId));
        }
        rendered.clear();
        origins.clear();
    }

    private EncodedExample toExample(String origin, RenderedConversation rendered, TokenEncoding encoding,
            int taskId) {
        int[] ids = encoding.ids();
        int[] labels = TokenLabels.of(encoding, rendered);
        int n = ids.length;
        if (n <= seqLength) {
            return new EncodedExample(origin, rendered, encoding, new TokenizedExample(ids, labels, taskId), 0,
                    EncodedExample.Outcome.KEPT);
        }
        if (truncation == Truncation.DROP) {
            return new EncodedExample(origin, rendered, encoding, null, 0, EncodedExample.Outcome.DROPPED_TOO_LONG);
        }
        int from = truncation == Truncation.LEFT ? n - seqLength : 0;
        int[] keptLabels = Arrays.copyOfRange(labels, from, from + seqLength);
        boolean anyTrained = false;
        for (int t = 1; t < keptLabels.length && !anyTrained; t++) { // position 0 is never predicted
            anyTrained = keptLabels[t] != TokenizedExample.IGNORE_INDEX;
        }
        if (!anyTrained) {
            return new EncodedExample(origin, rendered, encoding, null, from,
                    EncodedExample.Outcome.DROPPED_NOTHING_TRAINED);
        }
        TokenizedExample example = new TokenizedExample(Arrays.copyOfRange(ids, from, from + seqLength), keptLabels,
                taskId);
        return new EncodedExample(origin, rendered, encoding, example, from, EncodedExample.Outcome.TRUNCATED);
    }
}
