package dev.turbo4j.core.tokenizer;

import java.util.Arrays;

/**
 * Streaming detokenization that works for any {@link Tokenizer}: it re-decodes a short window
 * of recent ids and emits what the window's text gained (the approach of Hugging Face's
 * DecodeStream). The window always starts at a token already emitted, so a decoder's one-time
 * strip of the leading space applies equally to the window with and without the new token
 * and cancels out: only the very first token of the stream loses it, as in a full decode.
 * Text ending in U+FFFD is held back until the next id completes the character.
 */
final class IncrementalDecoder implements StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] window = new int[16];
    private int windowSize;
    /** Ids of the window before {@code readIndex} were decoded into {@code prefix}. */
    private int readIndex;
    private String prefix = "";

    IncrementalDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    @Override
    public String next(int id) {
        if (windowSize == window.length) {
            window = Arrays.copyOf(window, windowSize * 2);
        }
        window[windowSize++] = id;
        String text = tokenizer.decode(Arrays.copyOf(window, windowSize), skipSpecialTokens);
        if (text.length() <= prefix.length() || text.endsWith("\uFFFD") || !text.startsWith(prefix)) {
            return "";
        }
        String newText = text.substring(prefix.length());
        // The new window starts at the first id of the text just emitted.
        System.arraycopy(window, readIndex, window, 0, windowSize - readIndex);
        windowSize -= readIndex;
        readIndex = windowSize;
        prefix = tokenizer.decode(Arrays.copyOf(window, windowSize), skipSpecialTokens);
        return newText;
    }

    @Override
    public String flush() {
        String text = tokenizer.decode(Arrays.copyOf(window, windowSize), skipSpecialTokens);
        String rest = text.startsWith(prefix) ? text.substring(prefix.length()) : "";
        windowSize = 0;
        readIndex = 0;
        prefix = "";
        return rest;
    }
}
