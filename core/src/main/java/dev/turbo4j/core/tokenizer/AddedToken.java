package dev.turbo4j.core.tokenizer;

/**
 * A token matched literally in the text before normalization and BPE (tokenizer.json's
 * {@code added_tokens}): chat markers, BOS/EOS and the like.
 *
 * @param lstrip     the match swallows whitespace on its left
 * @param rstrip     the match swallows whitespace on its right
 * @param singleWord matches only when not inside a word
 * @param normalized matched against the normalized text rather than the raw text
 */
record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord,
        boolean normalized) {
}
