package dev.turbo4j.core.tokenizer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 decoding with the two replacement policies the reference tokenizers use. */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /** The bytes as a string, or null when they are not valid UTF-8 (Rust's {@code String::from_utf8}). */
    static String decodeStrict(byte[] bytes, int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Lossy decoding: each maximal invalid subsequence becomes one U+FFFD (Rust's {@code from_utf8_lossy}). */
    static String decodeLossy(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }

    /**
     * Decodes character by character; every byte that does not start a valid character becomes
     * one U+FFFD (SentencePiece's byte-piece decoding).
     */
    static void decodeEachInvalidByteReplaced(byte[] bytes, int from, int to, StringBuilder out) {
        int i = from;
        while (i < to) {
            int length = validCharLength(bytes, i, to);
            if (length == 0) {
                out.append(REPLACEMENT);
                i++;
            } else {
                out.append(new String(bytes, i, length, StandardCharsets.UTF_8));
                i += length;
            }
        }
    }

    /** Length of the well-formed UTF-8 character starting at {@code i}, or 0 when there is none. */
    static int validCharLength(byte[] bytes, int i, int to) {
        int b0 = bytes[i] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int length;
        int min;
        int lowSecond = 0x80;
        int highSecond = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            if (b0 == 0xE0) {
                lowSecond = 0xA0; // no overlong forms
            } else if (b0 == 0xED) {
                highSecond = 0x9F; // no surrogates
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            if (b0 == 0xF0) {
                lowSecond = 0x90;
            } else if (b0 == 0xF4) {
                highSecond = 0x8F; // nothing above U+10FFFF
            }
        } else {
            return 0;
        }
        if (i + length > to) {
            return 0;
        }
        int b1 = bytes[i + 1] & 0xFF;
        if (b1 < lowSecond || b1 > highSecond) {
            return 0;
        }
        for (int k = 2; k < length; k++) {
            int b = bytes[i + k] & 0xFF;
            if (b < 0x80 || b > 0xBF) {
                return 0;
            }
        }
        return length;
    }
}
