package dev.turbo4j.engine;

/** Receives generated text as it becomes final. */
@FunctionalInterface
public interface TokenListener {
    /** {@code textDelta} may be empty (e.g. half of a UTF-8 character, or a held-back stop-string prefix). */
    void onToken(int tokenId, String textDelta);

    TokenListener NONE = (id, text) -> { };
}
