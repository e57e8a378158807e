package dev.turbo4j.core.tokenizer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Word → ids, bounded: once full it stops taking new words (the frequent ones arrive first), as
 * Hugging Face's BPE cache does. Safe for concurrent encoders.
 */
final class WordCache {
    private static final int CAPACITY = 16_384;
    private static final int MAX_WORD_LENGTH = 256;

    private final ConcurrentHashMap<String, int[]> ids = new ConcurrentHashMap<>();

    int[] get(String word, Function<String, int[]> encoder) {
        int[] cached = ids.get(word);
        if (cached == null) {
            cached = encoder.apply(word);
            if (word.length() <= MAX_WORD_LENGTH && ids.size() < CAPACITY) {
                ids.put(word, cached);
            }
        }
        return cached;
    }
}
