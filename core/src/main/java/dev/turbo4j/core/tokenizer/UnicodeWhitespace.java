package dev.turbo4j.core.tokenizer;

/**
 * The Unicode White_Space property, as Rust's {@code char::is_whitespace} uses it. Java's
 * {@link Character#isWhitespace} differs (it excludes no-break spaces), so the reference
 * tokenizers' strip rules need this.
 */
final class UnicodeWhitespace {
    private UnicodeWhitespace() {
    }

    static boolean is(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F
                || c == 0x205F || c == 0x3000;
    }

    /** Index just past the whitespace run starting at {@code from}. */
    static int skipForward(String text, int from) {
        int i = from;
        while (i < text.length() && is(text.codePointAt(i))) {
            i += Character.charCount(text.codePointAt(i));
        }
        return i;
    }

    /** Index where the whitespace run ending at {@code to} (exclusive) begins. */
    static int skipBackward(String text, int to) {
        int i = to;
        while (i > 0 && is(text.codePointBefore(i))) {
            i -= Character.charCount(text.codePointBefore(i));
        }
        return i;
    }
}
