package dev.turbo4j.core.tokenizer;

import java.util.Arrays;

/**
 * Streaming detokenization that works for any {@link Tokenizer}: it re-decodes a short window
 * of recent ids and emits what the window's text gained (the approach of Hugging Face's
 * DecodeStream). The window always starts at a token already emitted, so a decoder's one-time
 * strip of the leading space applies equally to the window with and without the new token
 * and cancels out: only the very first token of the stream loses it, as in a full decode,
 * unless the decoder continues a context (a prompt), whose last ids then start the window.
 * Text ending in U+FFFD is held back until the next id completes the character.
 */
final class IncrementalDecoder implements StreamingDecoder {
    /** Ids of a context that start the window (as many as vLLM's detokenizer reads back). */
    private static final int CONTEXT_IDS = 5;
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

    /**
     * Continues {@code context}: its last ids start the window as text already emitted, so the
     * first new id's text is what it adds after them. The longest such tail whose text does not
     * end inside a character is used (one that starts inside a character's bytes can make a
     * byte-fallback decoder replace them all); a context that itself ends inside a character
     * is not used.
     */
    IncrementalDecoder(Tokenizer tokenizer, boolean skipSpecialTokens, int[] context) {
        this(tokenizer, skipSpecialTokens);
        for (int n = Math.min(CONTEXT_IDS, context.length); n > 0; n--) {
            int[] tail = Arrays.copyOfRange(context, context.length - n, context.length);
            String text = tokenizer.decode(tail, skipSpecialTokens);
            if (!text.endsWith("\uFFFD")) {
                System.arraycopy(tail, 0, window, 0, n);
                windowSize = n;
                readIndex = n;
                prefix = text;
                return;
            }
        }
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
