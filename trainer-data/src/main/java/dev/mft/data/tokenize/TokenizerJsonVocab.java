package dev.mft.data.tokenize;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The vocabulary size of a tokenizer.json: one more than the largest id in {@code model.vocab} and
 * {@code added_tokens}.
 *
 * <p>DJL offers no vocabulary API, so the file is streamed (a tree of 150k entries would be
 * wasteful). {@code model.vocab} is an object {token: id} for BPE and WordPiece, a list of
 * [token, score] pairs (id = index) for Unigram.
 */
final class TokenizerJsonVocab {

    private static final JsonFactory JSON = new JsonFactory();

    private TokenizerJsonVocab() {}

    static int vocabSize(Path tokenizerJson) {
        try (JsonParser p = JSON.createParser(tokenizerJson.toFile())) {
            expect(p.nextToken() == JsonToken.START_OBJECT, tokenizerJson, "a JSON object");
            int maxId = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("model") && p.currentToken() == JsonToken.START_OBJECT) {
                    maxId = Math.max(maxId, modelMaxId(p, tokenizerJson));
                } else if (field.equals("added_tokens") && p.currentToken() == JsonToken.START_ARRAY) {
                    maxId = Math.max(maxId, addedMaxId(p));
                } else {
                    p.skipChildren();
                }
            }
            expect(maxId >= 0, tokenizerJson, "a non-empty model.vocab");
            return maxId + 1;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizerJson, e);
        }
    }

    private static int modelMaxId(JsonParser p, Path file) throws IOException {
        int maxId = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (!field.equals("vocab")) {
                p.skipChildren();
            } else if (value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    expect(p.nextToken() == JsonToken.VALUE_NUMBER_INT, file, "integer ids in model.vocab");
                    maxId = Math.max(maxId, p.getIntValue());
                }
            } else if (value == JsonToken.START_ARRAY) {
                int count = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    p.skipChildren();
                    count++;
                }
                maxId = Math.max(maxId, count - 1);
            } else {
                p.skipChildren();
            }
        }
        return maxId;
    }

    private static int addedMaxId(JsonParser p) throws IOException {
        int maxId = -1;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("id") && p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                    maxId = Math.max(maxId, p.getIntValue());
                } else {
                    p.skipChildren();
                }
            }
        }
        return maxId;
    }

    private static void expect(boolean ok, Path file, String what) {
        if (!ok) {
            throw new IllegalArgumentException(file + ": unexpected structure; expected " + what);
        }
    }
}
