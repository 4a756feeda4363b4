package dev.mft.data.tokenize;

import java.util.ArrayList;
import java.util.List;

/** Text to token ids with character spans, never adding special tokens on its own. */
public interface TextTokenizer {

    TokenEncoding encode(String text);

    /** Encodes many texts; implementations may do it in parallel. */
    default List<TokenEncoding> encodeBatch(List<String> texts) {
        List<TokenEncoding> out = new ArrayList<>(texts.size());
        for (String text : texts) {
            out.add(encode(text));
        }
        return out;
    }
}
