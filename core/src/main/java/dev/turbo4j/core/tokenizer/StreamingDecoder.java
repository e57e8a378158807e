package dev.turbo4j.core.tokenizer;

/**
 * Incremental detokenization for streaming: feed ids one at a time, get the text that is now
 * final. Holds back bytes of an incomplete UTF-8 character, and keeps the leading space a
 * SentencePiece piece carries (except the one a decoder strips at the very start).
 */
public interface StreamingDecoder {
    /** Adds one id; returns the newly completed text (may be empty). */
    String next(int id);

    /** Text still held back (an incomplete character at the end), flushed as is. */
    String flush();
}
