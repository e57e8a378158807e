package dev.turbo4j.server.openai;

import dev.turbo4j.core.tokenizer.Tokenizer;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The text of a single token as it reads inside a sequence, leading space included (what
 * OpenAI's logprobs show). Decoding a token alone would drop that space: SentencePiece-style
 * decoders strip it at the start of a text. So the token is decoded after a fixed letter and
 * the letter's text cut off. Cached: the same few thousand ids come back all the time.
 */
final class TokenTexts {
    private final Tokenizer tokenizer;
    private final int anchor;
    private final int anchorLength;
    private final ConcurrentHashMap<Integer, String> cache = new ConcurrentHashMap<>();

    TokenTexts(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        int[] a = tokenizer.encode("a", false);
        this.anchor = a.length > 0 ? a[a.length - 1] : -1;
        this.anchorLength = anchor < 0 ? 0 : tokenizer.decode(new int[] {anchor}, false).length();
    }

    String of(int id) {
        return cache.computeIfAbsent(id, this::decode);
    }

    private String decode(int id) {
        if (anchor < 0) {
            return tokenizer.decode(new int[] {id}, false);
        }
        String both = tokenizer.decode(new int[] {anchor, id}, false);
        return both.length() >= anchorLength ? both.substring(anchorLength) : both;
    }
}
