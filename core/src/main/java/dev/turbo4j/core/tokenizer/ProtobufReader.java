package dev.turbo4j.core.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Reads the protobuf wire format (varints and length-delimited fields), enough for
 * SentencePiece's ModelProto without a protobuf dependency.
 */
final class ProtobufReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    /** The bytes are not a well-formed protobuf message (e.g. a truncated file). */
    static final class MalformedException extends RuntimeException {
        MalformedException(String message) {
            super(message);
        }
    }

    private final byte[] buffer;
    private final int limit;
    private int position;

    ProtobufReader(byte[] buffer) {
        this(buffer, 0, buffer.length);
    }

    private ProtobufReader(byte[] buffer, int from, int to) {
        this.buffer = buffer;
        this.position = from;
        this.limit = to;
    }

    boolean hasMore() {
        return position < limit;
    }

    /** The next field's tag: {@code fieldNumber << 3 | wireType}. */
    int readTag() {
        long tag = readVarint();
        if (tag >>> 3 == 0 || tag > Integer.MAX_VALUE) {
            throw new MalformedException("invalid field tag " + tag + " before byte " + position);
        }
        return (int) tag;
    }

    static int fieldNumber(int tag) {
        return tag >>> 3;
    }

    static int wireType(int tag) {
        return tag & 7;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= limit) {
                throw new MalformedException("truncated: a number runs past byte " + limit);
            }
            byte b = buffer[position++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new MalformedException("a number longer than 10 bytes before byte " + position);
    }

    boolean readBool() {
        return readVarint() != 0;
    }

    float readFloat() {
        require(4);
        int bits = (buffer[position] & 0xFF) | (buffer[position + 1] & 0xFF) << 8
                | (buffer[position + 2] & 0xFF) << 16 | (buffer[position + 3] & 0xFF) << 24;
        position += 4;
        return Float.intBitsToFloat(bits);
    }

    String readString() {
        int length = readLength();
        String s = new String(buffer, position, length, StandardCharsets.UTF_8);
        position += length;
        return s;
    }

    /** The length of the next length-delimited field, skipped. */
    int skipBytes() {
        int length = readLength();
        position += length;
        return length;
    }

    /** A reader over the embedded message that comes next. */
    ProtobufReader readMessage() {
        int length = readLength();
        ProtobufReader message = new ProtobufReader(buffer, position, position + length);
        position += length;
        return message;
    }

    /** Skips a field of the given wire type that the caller does not need. */
    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                require(8);
                position += 8;
            }
            case LENGTH_DELIMITED -> skipBytes();
            case FIXED32 -> {
                require(4);
                position += 4;
            }
            default -> throw new MalformedException("unsupported wire type " + wireType + " before byte " + position);
        }
    }

    private int readLength() {
        long length = readVarint();
        if (length < 0 || length > limit - position) {
            throw new MalformedException("truncated: a field of " + length + " bytes at byte " + position
                    + " runs past the end (" + limit + ")");
        }
        return (int) length;
    }

    private void require(int bytes) {
        if (limit - position < bytes) {
            throw new MalformedException("truncated: " + bytes + " bytes needed at byte " + position
                    + ", only " + (limit - position) + " left");
        }
    }
}
