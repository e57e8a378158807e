package dev.turbo4j.core.tokenizer;

import dev.turbo4j.core.tokenizer.SentencePieceModelFile.Piece;
import dev.turbo4j.core.tokenizer.SentencePieceModelFile.PieceType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A SentencePiece BPE model (tokenizer.model) with the semantics of {@code sp.encode} and
 * {@code sp.decode}: special strings such as {@code <s>} in the text are plain characters
 * (only user-defined pieces are matched); BOS/EOS are added only by {@code addSpecialTokens}.
 * Immutable and thread-safe.
 */
final class SentencePieceTokenizer implements Tokenizer {
    private final List<Piece> pieces;
    private final Map<String, Integer> mergeableIds = new HashMap<>();
    /** Control, unknown and byte pieces: looked up first, never produced by a merge. */
    private final Map<String, Integer> reservedIds = new HashMap<>();
    private final int unkId;
    private final int[] byteIds = new int[256];
    private final boolean byteFallback;
    private final String unkSurface;
    private final SentencePieceNormalizer normalizer;
    private final SentencePieceBpe bpe;
    private final WordCache cache = new WordCache();
    /** The text may be cut before "▁" (see {@link SpaceSymbolChunks}). */
    private final boolean cutBeforeSpaceSymbol;
    private final int bosId;
    private final int eosId;
    private final boolean addBos;
    private final boolean addEos;

    /**
     * @throws IllegalArgumentException when the model is not one this class can run
     */
    SentencePieceTokenizer(SentencePieceModelFile model, TokenizerConfig config) {
        SentencePieceModelFile.TrainerSpec trainer = model.trainer();
        if (trainer.modelType() != SentencePieceModelFile.BPE) {
            throw new IllegalArgumentException("SentencePiece model type " + modelTypeName(trainer.modelType())
                    + " is not supported (only BPE)");
        }
        if (model.normalizer().precompiledCharsmapSize() > 0) {
            throw new IllegalArgumentException("SentencePiece normalizer \"" + model.normalizer().name()
                    + "\" with a precompiled character map is not supported (only identity normalization)");
        }
        if (model.pieces().isEmpty()) {
            throw new IllegalArgumentException("the model has no pieces");
        }
        this.pieces = model.pieces();
        int n = pieces.size();
        float[] scores = new float[n];
        boolean[] unused = new boolean[n];
        List<String> userDefined = new ArrayList<>();
        int unk = -1;
        for (int id = 0; id < n; id++) {
            Piece piece = pieces.get(id);
            scores[id] = piece.score();
            unused[id] = piece.type() == PieceType.UNUSED;
            boolean mergeable = piece.type() == PieceType.NORMAL || piece.type() == PieceType.USER_DEFINED
                    || piece.type() == PieceType.UNUSED;
            Integer previous = (mergeable ? mergeableIds : reservedIds).putIfAbsent(piece.piece(), id);
            if (previous != null) {
                throw new IllegalArgumentException("piece \"" + piece.piece() + "\" is defined twice (ids " + previous
                        + " and " + id + ")");
            }
            if (piece.type() == PieceType.USER_DEFINED) {
                userDefined.add(piece.piece());
            }
            if (piece.type() == PieceType.UNKNOWN) {
                unk = id;
            }
        }
        if (unk < 0) {
            throw new IllegalArgumentException("the model has no unknown piece");
        }
        this.unkId = unk;
        this.byteFallback = trainer.byteFallback();
        for (int b = 0; b < 256; b++) {
            byteIds[b] = pieceToId(String.format("<0x%02X>", b));
        }
        this.unkSurface = trainer.unkSurface();
        this.normalizer = new SentencePieceNormalizer(model.normalizer(), trainer.treatWhitespaceAsSuffix());
        this.bpe = new SentencePieceBpe(mergeableIds, scores, unused, userDefined);
        this.cutBeforeSpaceSymbol = SpaceSymbolChunks.canCut(mergeableIds.keySet());
        this.bosId = specialId(config.bosToken(), trainer.bosPiece());
        this.eosId = specialId(config.eosToken(), trainer.eosPiece());
        // transformers' LlamaTokenizer adds BOS unless told otherwise.
        this.addBos = config.addBosToken() == null || config.addBosToken();
        this.addEos = Boolean.TRUE.equals(config.addEosToken());
    }

    /** The configured token's id, else SentencePiece's own (its piece must be a control piece). */
    private int specialId(String configured, String modelPiece) {
        if (configured != null && tokenToId(configured) >= 0) {
            return tokenToId(configured);
        }
        Integer id = reservedIds.get(modelPiece);
        return id != null && pieces.get(id).type() == PieceType.CONTROL ? id : -1;
    }

    /** SentencePiece's PieceToId: reserved pieces first, unknown strings give the unk id. */
    private int pieceToId(String piece) {
        Integer id = reservedIds.get(piece);
        if (id == null) {
            id = mergeableIds.get(piece);
        }
        return id == null ? unkId : id;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        IntList ids = new IntList(text.length() / 3 + 4);
        if (addSpecialTokens && addBos && bosId >= 0) {
            ids.add(bosId);
        }
        String normalized = normalizer.normalize(text);
        if (cutBeforeSpaceSymbol) {
            SpaceSymbolChunks.cut(normalized, chunk -> ids.addAll(cache.get(chunk, this::encodeNormalized)));
        } else {
            ids.addAll(encodeNormalized(normalized));
        }
        if (addSpecialTokens && addEos && eosId >= 0) {
            ids.add(eosId);
        }
        return ids.toArray();
    }

    /** Segments normalized text and maps the pieces to ids, unknown ones to bytes when byte fallback is on. */
    private int[] encodeNormalized(String normalized) {
        IntList ids = new IntList(normalized.length() / 2 + 2);
        for (String piece : bpe.segment(normalized)) {
            int id = pieceToId(piece);
            if (id == unkId && byteFallback) {
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                    ids.add(byteIds[b & 0xFF]);
                }
            } else {
                ids.add(id);
            }
        }
        return ids.toArray();
    }

    /**
     * As {@code sp.decode}: "▁" becomes a space, byte pieces are joined into characters (each
     * invalid byte a U+FFFD), unknown is shown as " ⁇ ", and the first piece loses the "▁" that
     * the dummy prefix added. Control pieces are shown as their text unless skipped (as
     * transformers does), so a stream can show {@code <s>}.
     */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean expectLeadingSpace = true; // the dummy-prefix "▁" may still come
        boolean leadingSpaceConsumed = false;
        for (int id : ids) {
            if (id < 0 || id >= pieces.size() || (skipSpecialTokens && isSpecial(id))) {
                continue;
            }
            Piece piece = pieces.get(id);
            if (piece.type() == PieceType.BYTE) {
                bytes.write(Decoder.ByteFallback.byteOf(piece.piece()));
                continue;
            }
            flushBytes(bytes, text);
            if (leadingSpaceConsumed || !text.isEmpty()) {
                expectLeadingSpace = false;
            }
            leadingSpaceConsumed = false;
            switch (piece.type()) {
                case CONTROL -> text.append(piece.piece());
                case UNKNOWN -> text.append(unkSurface);
                default -> {
                    String surface = piece.piece();
                    if (expectLeadingSpace && normalizer.stripsLeadingSpaceOnDecode()
                            && surface.startsWith(String.valueOf(SentencePieceNormalizer.SPACE_SYMBOL))) {
                        surface = surface.substring(1);
                        leadingSpaceConsumed = !normalizer.removesExtraWhitespaces();
                    }
                    text.append(surface.replace(SentencePieceNormalizer.SPACE_SYMBOL, ' '));
                }
            }
        }
        flushBytes(bytes, text);
        return text.toString();
    }

    private static void flushBytes(ByteArrayOutputStream bytes, StringBuilder text) {
        if (bytes.size() > 0) {
            byte[] run = bytes.toByteArray();
            Utf8.decodeEachInvalidByteReplaced(run, 0, run.length, text);
            bytes.reset();
        }
    }

    @Override
    public int vocabSize() {
        return pieces.size();
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < pieces.size() ? pieces.get(id).piece() : null;
    }

    @Override
    public int tokenToId(String token) {
        Integer id = reservedIds.get(token);
        if (id == null) {
            id = mergeableIds.get(token);
        }
        return id == null ? -1 : id;
    }

    /** Control pieces (BOS, EOS, chat markers) and the unknown piece, as transformers counts them. */
    @Override
    public boolean isSpecial(int id) {
        if (id < 0 || id >= pieces.size()) {
            return false;
        }
        PieceType type = pieces.get(id).type();
        return type == PieceType.CONTROL || type == PieceType.UNKNOWN;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    private static String modelTypeName(int type) {
        return switch (type) {
            case SentencePieceModelFile.UNIGRAM -> "UNIGRAM";
            case SentencePieceModelFile.BPE -> "BPE";
            case SentencePieceModelFile.WORD -> "WORD";
            case SentencePieceModelFile.CHAR -> "CHAR";
            default -> String.valueOf(type);
        };
    }
}
