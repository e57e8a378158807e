package dev.turbo4j.core.tokenizer;

import java.util.function.Consumer;

/**
 * SentencePiece-style BPE sees the whole text as one word, so nothing could be cached. But when
 * no vocabulary token has a "▁" right after another character, no merge can ever join the
 * symbols on both sides of such a "▁": cutting the text before each of them gives exactly the
 * same tokens, and the chunks ("▁the", "▁LORD") repeat, so they can be cached.
 */
final class SpaceSymbolChunks {
    static final char SPACE_SYMBOL = '\u2581';

    private SpaceSymbolChunks() {
    }

    /** True when no token contains "▁" preceded by a character other than "▁". */
    static boolean canCut(Iterable<String> vocabulary) {
        for (String token : vocabulary) {
            for (int i = token.indexOf(SPACE_SYMBOL, 1); i > 0; i = token.indexOf(SPACE_SYMBOL, i + 1)) {
                if (token.charAt(i - 1) != SPACE_SYMBOL) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Passes the text on in chunks cut before every "▁" that follows another character. */
    static void cut(String text, Consumer<String> chunks) {
        int start = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == SPACE_SYMBOL && text.charAt(i - 1) != SPACE_SYMBOL) {
                chunks.accept(text.substring(start, i));
                start = i;
            }
        }
        if (start < text.length()) {
            chunks.accept(text.substring(start));
        }
    }
}
