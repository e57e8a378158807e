package dev.turbo4j.core.tokenizer;

/**
 * Text to token ids and back, id-exact with the model's reference tokenizer (Hugging Face
 * tokenizers for tokenizer.json, SentencePiece for tokenizer.model).
 */
public interface Tokenizer {

    /**
     * Encodes text. For tokenizer.json, added/special tokens that appear literally in the text
     * are matched (as Hugging Face does by default); for a SentencePiece tokenizer.model the
     * text is encoded as {@code sp.encode} does (only user-defined pieces are matched, a literal
     * {@code <s>} is plain text). With {@code addSpecialTokens} the post-processor's template is
     * applied (e.g. BOS prepended), as {@code encode(text, add_special_tokens=True)}; for
     * tokenizer.model, BOS/EOS follow add_bos_token/add_eos_token (BOS by default).
     */
    int[] encode(String text, boolean addSpecialTokens);

    /** Decodes ids to text; special tokens are dropped when {@code skipSpecialTokens}. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /**
     * A decoder that turns ids into text one at a time, never splitting a UTF-8 character. The
     * concatenation of everything it returns equals {@link #decode} of all ids.
     */
    default StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new IncrementalDecoder(this, skipSpecialTokens);
    }

    /**
     * A streaming decoder for ids that continue {@code context} (the prompt): each id's text
     * reads as it does after the context, so the first one keeps a leading space that a decode
     * of the new ids alone strips (SentencePiece's "▁of" after "In the beginning" is " of").
     * The context's text followed by everything it returns equals {@link #decode} of context
     * and ids together.
     */
    default StreamingDecoder streamingDecoder(boolean skipSpecialTokens, int[] context) {
        return new IncrementalDecoder(this, skipSpecialTokens, context);
    }

    /** Number of ids, added tokens included. */
    int vocabSize();

    /** The string form of an id (the vocabulary piece), or null if out of range. */
    String idToToken(int id);

    /** The id of a token string (vocabulary or added token), or -1. */
    int tokenToId(String token);

    /** True for special/control tokens (BOS, EOS, chat markers). */
    boolean isSpecial(int id);

    /** BOS id, or -1 when the tokenizer has none. */
    int bosId();

    /** EOS id, or -1 when the tokenizer has none. */
    int eosId();
}
