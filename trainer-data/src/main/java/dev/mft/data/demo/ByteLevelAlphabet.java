package dev.mft.data.demo;

/**
 * GPT-2's byte-to-unicode table used by HuggingFace's ByteLevel pre-tokenizer and decoder.
 *
 * <p>Printable bytes {@code !..~}, {@code ¡..¬} and {@code ®..ÿ} stand for themselves; every other
 * byte, in increasing order, maps to U+0100, U+0101, ... (so space is {@code Ġ}, newline {@code Ċ}).
 * Tokens are then strings of visible characters, and a merge "a b" can be written with a space.
 */
final class ByteLevelAlphabet {

    private static final char[] CHAR_OF_BYTE = build();

    private ByteLevelAlphabet() {}

    static char charOf(int unsignedByte) {
        return CHAR_OF_BYTE[unsignedByte];
    }

    /** The byte-level string of a UTF-8 byte sequence. */
    static String encode(byte[] utf8) {
        StringBuilder sb = new StringBuilder(utf8.length);
        for (byte b : utf8) {
            sb.append(CHAR_OF_BYTE[b & 0xFF]);
        }
        return sb.toString();
    }

    private static char[] build() {
        char[] table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char) b : (char) next++;
        }
        return table;
    }
}
