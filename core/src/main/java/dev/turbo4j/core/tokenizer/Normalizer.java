package dev.turbo4j.core.tokenizer;

import java.util.List;
import java.util.regex.Pattern;

/** A tokenizer.json normalizer: rewrites a piece of text before pre-tokenization. */
sealed interface Normalizer {

    String normalize(String text);

    /** Applies each normalizer in turn. */
    record Sequence(List<Normalizer> normalizers) implements Normalizer {
        @Override
        public String normalize(String text) {
            for (Normalizer normalizer : normalizers) {
                text = normalizer.normalize(text);
            }
            return text;
        }
    }

    /** Puts a prefix in front of non-empty text (Llama-2's "▁" dummy prefix). */
    record Prepend(String prefix) implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** Replaces every match of a literal or a regex. */
    record Replace(Pattern pattern, String content) implements Normalizer {
        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(java.util.regex.Matcher.quoteReplacement(content));
        }
    }

    /** One of the Unicode normalization forms NFC, NFD, NFKC, NFKD. */
    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        @Override
        public String normalize(String text) {
            return java.text.Normalizer.isNormalized(text, form) ? text : java.text.Normalizer.normalize(text, form);
        }
    }

    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Removes whitespace on the left and/or right. */
    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String text) {
            int from = left ? UnicodeWhitespace.skipForward(text, 0) : 0;
            int to = right ? Math.max(from, UnicodeWhitespace.skipBackward(text, text.length())) : text.length();
            return text.substring(from, to);
        }
    }
}
