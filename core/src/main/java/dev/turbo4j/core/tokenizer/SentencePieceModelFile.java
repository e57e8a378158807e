package dev.turbo4j.core.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece ModelProto (tokenizer.model) that encoding and decoding need.
 * Field numbers are those of sentencepiece_model.proto.
 */
record SentencePieceModelFile(List<Piece> pieces, TrainerSpec trainer, NormalizerSpec normalizer) {

    /** SentencePiece's piece types (proto enum values in parentheses). */
    enum PieceType {
        NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

        static PieceType of(long protoValue) {
            return switch ((int) protoValue) {
                case 1 -> NORMAL;
                case 2 -> UNKNOWN;
                case 3 -> CONTROL;
                case 4 -> USER_DEFINED;
                case 5 -> UNUSED;
                case 6 -> BYTE;
                default -> throw new ProtobufReader.MalformedException("unknown piece type " + protoValue);
            };
        }
    }

    record Piece(String piece, float score, PieceType type) {
    }

    /** Model type values of TrainerSpec.model_type. */
    static final int UNIGRAM = 1;
    static final int BPE = 2;
    static final int WORD = 3;
    static final int CHAR = 4;

    record TrainerSpec(int modelType, boolean byteFallback, boolean treatWhitespaceAsSuffix, String unkPiece,
            String bosPiece, String eosPiece, String unkSurface) {
    }

    /** @param precompiledCharsmapSize bytes of the character normalization map; 0 for "identity" */
    record NormalizerSpec(String name, int precompiledCharsmapSize, boolean addDummyPrefix,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    }

    /** @throws ProtobufReader.MalformedException when the bytes are not a ModelProto */
    static SentencePieceModelFile parse(byte[] bytes) {
        ProtobufReader reader = new ProtobufReader(bytes);
        List<Piece> pieces = new ArrayList<>();
        TrainerSpec trainer = parseTrainerSpec(null);
        NormalizerSpec normalizer = parseNormalizerSpec(null);
        while (reader.hasMore()) {
            int tag = reader.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 1 -> pieces.add(parsePiece(expectMessage(reader, tag)));
                case 2 -> trainer = parseTrainerSpec(expectMessage(reader, tag));
                case 3 -> normalizer = parseNormalizerSpec(expectMessage(reader, tag));
                default -> reader.skip(ProtobufReader.wireType(tag));
            }
        }
        return new SentencePieceModelFile(List.copyOf(pieces), trainer, normalizer);
    }

    private static ProtobufReader expectMessage(ProtobufReader reader, int tag) {
        if (ProtobufReader.wireType(tag) != ProtobufReader.LENGTH_DELIMITED) {
            throw new ProtobufReader.MalformedException("field " + ProtobufReader.fieldNumber(tag)
                    + " should be a message but has wire type " + ProtobufReader.wireType(tag));
        }
        return reader.readMessage();
    }

    private static Piece parsePiece(ProtobufReader reader) {
        String piece = null;
        float score = 0;
        PieceType type = PieceType.NORMAL;
        while (reader.hasMore()) {
            int tag = reader.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 1 -> piece = reader.readString();
                case 2 -> score = reader.readFloat();
                case 3 -> type = PieceType.of(reader.readVarint());
                default -> reader.skip(ProtobufReader.wireType(tag));
            }
        }
        if (piece == null) {
            throw new ProtobufReader.MalformedException("a piece without its string");
        }
        return new Piece(piece, score, type);
    }

    /** Parses a TrainerSpec; {@code null} gives the proto defaults. */
    private static TrainerSpec parseTrainerSpec(ProtobufReader reader) {
        int modelType = UNIGRAM;
        boolean byteFallback = false;
        boolean suffix = false;
        String unk = "<unk>";
        String bos = "<s>";
        String eos = "</s>";
        String unkSurface = " \u2047 ";
        while (reader != null && reader.hasMore()) {
            int tag = reader.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 3 -> modelType = (int) reader.readVarint();
                case 24 -> suffix = reader.readBool();
                case 35 -> byteFallback = reader.readBool();
                case 44 -> unkSurface = reader.readString();
                case 45 -> unk = reader.readString();
                case 46 -> bos = reader.readString();
                case 47 -> eos = reader.readString();
                default -> reader.skip(ProtobufReader.wireType(tag));
            }
        }
        return new TrainerSpec(modelType, byteFallback, suffix, unk, bos, eos, unkSurface);
    }

    /** Parses a NormalizerSpec; {@code null} gives the proto defaults. */
    private static NormalizerSpec parseNormalizerSpec(ProtobufReader reader) {
        String name = "";
        int charsmapSize = 0;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        while (reader != null && reader.hasMore()) {
            int tag = reader.readTag();
            switch (ProtobufReader.fieldNumber(tag)) {
                case 1 -> name = reader.readString();
                case 2 -> charsmapSize = reader.skipBytes();
                case 3 -> addDummyPrefix = reader.readBool();
                case 4 -> removeExtraWhitespaces = reader.readBool();
                case 5 -> escapeWhitespaces = reader.readBool();
                default -> reader.skip(ProtobufReader.wireType(tag));
            }
        }
        return new NormalizerSpec(name, charsmapSize, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }
}
