package dev.turbo4j.core.tokenizer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Splits text into runs of plain text and added tokens, as Hugging Face's AddedVocabulary does:
 * leftmost-longest matches, then the single_word, lstrip and rstrip rules of the matched token.
 * Each token is found by its pattern: its content, or for a {@code normalized} token its content
 * as the normalizer writes it (Llama-2's {@code <s>} is then {@code ▁<s>}), since those tokens are
 * looked for in normalized text.
 */
final class AddedTokenMatcher {

    /** Receives the split in order. */
    interface SegmentSink {
        /** Plain text starting at {@code offset} of the input. */
        void text(String text, int offset);

        void token(AddedToken token);
    }

    /** A token and the text that stands for it. */
    private record Candidate(String pattern, AddedToken token) {
    }

    /** Candidates by first char, longest first, so the first hit at a position is the longest. */
    private final Map<Character, List<Candidate>> byFirstChar = new HashMap<>();
    private final boolean[] isFirstChar = new boolean[Character.MAX_VALUE + 1];

    /** Tokens found by their content. */
    AddedTokenMatcher(Collection<AddedToken> tokens) {
        this(tokens, AddedToken::content);
    }

    /** Tokens found by {@code pattern} of each. */
    AddedTokenMatcher(Collection<AddedToken> tokens, Function<AddedToken, String> pattern) {
        for (AddedToken token : tokens) {
            String text = pattern.apply(token);
            if (text.isEmpty()) {
                continue;
            }
            char first = text.charAt(0);
            byFirstChar.computeIfAbsent(first, c -> new ArrayList<>()).add(new Candidate(text, token));
            isFirstChar[first] = true;
        }
        byFirstChar.values().forEach(list -> list.sort(
                Comparator.comparingInt((Candidate c) -> c.pattern().length()).reversed()));
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    void split(String text, SegmentSink sink) {
        int textStart = 0; // start of the plain text not yet emitted
        int searchFrom = 0;
        int length = text.length();
        while (searchFrom < length) {
            Candidate hit = null;
            int start = searchFrom;
            for (; start < length; start++) {
                if (isFirstChar[text.charAt(start)] && (hit = longestAt(text, start)) != null) {
                    break;
                }
            }
            if (hit == null) {
                break;
            }
            AddedToken token = hit.token();
            int stop = start + hit.pattern().length();
            searchFrom = stop;
            if (token.singleWord() && (endsWithWordChar(text, start) || startsWithWordChar(text, stop))) {
                continue;
            }
            if (token.lstrip()) {
                start = Math.max(UnicodeWhitespace.skipBackward(text, start), textStart);
            }
            if (token.rstrip()) {
                stop = UnicodeWhitespace.skipForward(text, stop);
            }
            start = Math.max(start, textStart);
            if (start > textStart) {
                sink.text(text.substring(textStart, start), textStart);
            }
            sink.token(token);
            textStart = stop;
            searchFrom = Math.max(searchFrom, stop);
        }
        if (textStart < length) {
            sink.text(text.substring(textStart), textStart);
        }
    }

    private Candidate longestAt(String text, int position) {
        for (Candidate candidate : byFirstChar.get(text.charAt(position))) {
            if (text.startsWith(candidate.pattern(), position)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean endsWithWordChar(String text, int end) {
        return end > 0 && isWordChar(text.codePointBefore(end));
    }

    private static boolean startsWithWordChar(String text, int start) {
        return start < text.length() && isWordChar(text.codePointAt(start));
    }

    private static boolean isWordChar(int c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
