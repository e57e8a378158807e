package dev.turbo4j.core.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face tokenizer.json pipeline: added tokens are split out of the text, the rest is
 * normalized, pre-tokenized into words and encoded by the BPE model; the post-processor adds
 * special tokens on request. Immutable and thread-safe.
 */
final class HfTokenizer implements Tokenizer {
    private final BpeModel model;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final Map<String, AddedToken> addedByContent = new HashMap<>();
    /** Added tokens matched on the raw text / on the normalized text. */
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;
    private final int vocabSize;
    private final int bosId;
    private final int eosId;

    /**
     * @param normalizer    null when the file has none
     * @param preTokenizer  null: each normalized run of text is one word
     * @param postProcessor null: no special tokens are added
     * @param decoder       null: tokens are joined with spaces (Hugging Face's default)
     */
    HfTokenizer(BpeModel model, Normalizer normalizer, PreTokenizer preTokenizer, PostProcessor postProcessor,
            Decoder decoder, List<AddedToken> addedTokens, int bosId, int eosId) {
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        for (AddedToken token : addedTokens) {
            addedById.put(token.id(), token);
            addedByContent.put(token.content(), token);
        }
        rawMatcher = new AddedTokenMatcher(addedTokens.stream().filter(t -> !t.normalized()).toList());
        // As the Rust library: a normalized token is looked for as its content normalized.
        normalizedMatcher = new AddedTokenMatcher(addedTokens.stream().filter(AddedToken::normalized).toList(),
                token -> normalizer == null ? token.content() : normalizer.normalize(token.content()));
        this.vocabSize = Math.max(model.vocabSize(),
                addedTokens.stream().mapToInt(token -> token.id() + 1).max().orElse(0));
        this.bosId = bosId;
        this.eosId = eosId;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        IntList ids = new IntList(text.length() / 3 + 8);
        rawMatcher.split(text, new AddedTokenMatcher.SegmentSink() {
            @Override
            public void text(String segment, int offset) {
                encodeRawSegment(segment, offset == 0, ids);
            }

            @Override
            public void token(AddedToken token) {
                ids.add(token.id());
            }
        });
        int[] result = ids.toArray();
        return addSpecialTokens && postProcessor != null ? postProcessor.process(result) : result;
    }

    private void encodeRawSegment(String segment, boolean atTextStart, IntList ids) {
        String normalized = normalizer == null ? segment : normalizer.normalize(segment);
        if (normalizedMatcher.isEmpty()) {
            encodeNormalized(normalized, atTextStart, ids);
            return;
        }
        normalizedMatcher.split(normalized, new AddedTokenMatcher.SegmentSink() {
            @Override
            public void text(String part, int offset) {
                encodeNormalized(part, atTextStart && offset == 0, ids);
            }

            @Override
            public void token(AddedToken token) {
                ids.add(token.id());
            }
        });
    }

    private void encodeNormalized(String text, boolean atTextStart, IntList ids) {
        if (preTokenizer == null) {
            model.tokenize(text, ids);
        } else {
            preTokenizer.split(text, atTextStart, (word, wordAtStart) -> model.tokenize(word, ids));
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            AddedToken added = addedById.get(id);
            if (added != null && added.special() && skipSpecialTokens) {
                continue;
            }
            String token = added != null ? added.content() : model.idToToken(id);
            if (token != null) { // ids beyond the vocabulary (padded embeddings) are dropped, as Hugging Face does
                tokens.add(token);
            }
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String idToToken(int id) {
        AddedToken added = addedById.get(id);
        return added != null ? added.content() : model.idToToken(id);
    }

    @Override
    public int tokenToId(String token) {
        AddedToken added = addedByContent.get(token);
        return added != null ? added.id() : model.tokenToId(token);
    }

    @Override
    public boolean isSpecial(int id) {
        AddedToken added = addedById.get(id);
        return added != null && added.special();
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }
}
