package dev.turbo4j.core.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json pre-tokenizer: cuts normalized text into the pieces ("words") the model
 * encodes one by one. Pieces are pushed to a sink rather than collected, because encoding a
 * large text yields hundreds of thousands of them.
 */
sealed interface PreTokenizer {

    /** Receives pieces in order; {@code atTextStart} is true only for a piece at offset 0 of the input text. */
    @FunctionalInterface
    interface PieceSink {
        void accept(String piece, boolean atTextStart);
    }

    void split(String text, boolean atTextStart, PieceSink sink);

    /** What happens to the matched part of a split (Hugging Face's SplitDelimiterBehavior). */
    enum SplitBehavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS
    }

    /** GPT-2's word regex, used by the ByteLevel pre-tokenizer when {@code use_regex} is set. */
    Pattern GPT2_PATTERN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Splits on a regex (or a quoted literal). */
    record Split(Pattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public void split(String text, boolean atTextStart, PieceSink sink) {
            splitOnMatches(text, atTextStart, pattern.matcher(text), behavior, invert, sink);
        }
    }

    /**
     * Byte-level pre-tokenization: optional prefix space, optional GPT-2 word split, then every
     * byte spelled with {@link ByteLevelAlphabet}.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        @Override
        public void split(String text, boolean atTextStart, PieceSink sink) {
            String prefixed = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
            if (!useRegex) {
                if (!prefixed.isEmpty()) {
                    sink.accept(ByteLevelAlphabet.encode(prefixed), atTextStart);
                }
                return;
            }
            splitOnMatches(prefixed, atTextStart, GPT2_PATTERN.matcher(prefixed), SplitBehavior.ISOLATED, false,
                    (piece, start) -> sink.accept(ByteLevelAlphabet.encode(piece), start));
        }
    }

    /** Where Metaspace puts its replacement character in front of a piece. */
    enum PrependScheme {
        ALWAYS, FIRST, NEVER
    }

    /**
     * SentencePiece-style spaces: ' ' becomes the replacement ("▁"), a "▁" is prepended
     * ({@code first}: only to the piece at the start of the text), and pieces are cut before each "▁".
     */
    record Metaspace(char replacement, PrependScheme prependScheme, boolean split) implements PreTokenizer {
        @Override
        public void split(String text, boolean atTextStart, PieceSink sink) {
            String replaced = text.replace(' ', replacement);
            boolean prepend = switch (prependScheme) {
                case ALWAYS -> true;
                case FIRST -> atTextStart;
                case NEVER -> false;
            };
            if (prepend && !replaced.isEmpty() && replaced.charAt(0) != replacement) {
                replaced = replacement + replaced;
            }
            if (!split) {
                if (!replaced.isEmpty()) {
                    sink.accept(replaced, atTextStart);
                }
                return;
            }
            // Merged-with-next splitting on the replacement = a cut before every replacement character.
            int start = 0;
            for (int i = 1; i < replaced.length(); i++) {
                if (replaced.charAt(i) == replacement) {
                    emit(replaced, start, i, atTextStart, sink);
                    start = i;
                }
            }
            emit(replaced, start, replaced.length(), atTextStart, sink);
        }
    }

    /** Applies each pre-tokenizer to every piece the previous one produced. */
    record Sequence(List<PreTokenizer> preTokenizers) implements PreTokenizer {
        @Override
        public void split(String text, boolean atTextStart, PieceSink sink) {
            splitFrom(0, text, atTextStart, sink);
        }

        private void splitFrom(int index, String text, boolean atTextStart, PieceSink sink) {
            if (index == preTokenizers.size()) {
                sink.accept(text, atTextStart);
                return;
            }
            preTokenizers.get(index).split(text, atTextStart,
                    (piece, start) -> splitFrom(index + 1, piece, start, sink));
        }
    }

    /**
     * Cuts {@code text} at the matches of {@code matcher} and regroups the parts as
     * {@code behavior} says (inverted: the non-matching parts count as the delimiters). Empty
     * pieces are dropped, as Hugging Face does.
     */
    static void splitOnMatches(String text, boolean atTextStart, Matcher matcher, SplitBehavior behavior,
            boolean invert, PieceSink sink) {
        if (text.isEmpty()) {
            return;
        }
        if (behavior == SplitBehavior.ISOLATED) {
            // Fast path (every byte-level tokenizer): matches and gaps are all pieces.
            int previousEnd = 0;
            while (matcher.find()) {
                emit(text, previousEnd, matcher.start(), atTextStart, sink);
                emit(text, matcher.start(), matcher.end(), atTextStart, sink);
                previousEnd = matcher.end();
            }
            emit(text, previousEnd, text.length(), atTextStart, sink);
            return;
        }
        IntList bounds = new IntList(16); // start, end, isMatch triples
        int previousEnd = 0;
        while (matcher.find()) {
            if (matcher.start() != previousEnd) {
                addRange(bounds, previousEnd, matcher.start(), invert);
            }
            addRange(bounds, matcher.start(), matcher.end(), !invert);
            previousEnd = matcher.end();
        }
        if (previousEnd != text.length()) {
            addRange(bounds, previousEnd, text.length(), invert);
        }
        int[] r = bounds.toArray();
        int count = r.length / 3;
        switch (behavior) {
            case REMOVED -> {
                for (int k = 0; k < count; k++) {
                    if (r[3 * k + 2] == 0) {
                        emit(text, r[3 * k], r[3 * k + 1], atTextStart, sink);
                    }
                }
            }
            case MERGED_WITH_PREVIOUS, CONTIGUOUS -> {
                // A delimiter joins the piece before it (contiguous: equal kinds join).
                int start = -1;
                int end = -1;
                boolean previousMatch = false;
                for (int k = 0; k < count; k++) {
                    boolean match = r[3 * k + 2] == 1;
                    boolean join = behavior == SplitBehavior.CONTIGUOUS ? match == previousMatch : match && !previousMatch;
                    if (join && start >= 0) {
                        end = r[3 * k + 1];
                    } else {
                        if (start >= 0) {
                            emit(text, start, end, atTextStart, sink);
                        }
                        start = r[3 * k];
                        end = r[3 * k + 1];
                    }
                    previousMatch = match;
                }
                if (start >= 0) {
                    emit(text, start, end, atTextStart, sink);
                }
            }
            case MERGED_WITH_NEXT -> {
                // A delimiter joins the piece after it: walk backwards, as Hugging Face does.
                int[] starts = new int[count];
                int[] ends = new int[count];
                int pieces = 0;
                boolean previousMatch = false;
                for (int k = count - 1; k >= 0; k--) {
                    boolean match = r[3 * k + 2] == 1;
                    if (match && !previousMatch && pieces > 0) {
                        starts[pieces - 1] = r[3 * k];
                    } else {
                        starts[pieces] = r[3 * k];
                        ends[pieces] = r[3 * k + 1];
                        pieces++;
                    }
                    previousMatch = match;
                }
                for (int k = pieces - 1; k >= 0; k--) {
                    emit(text, starts[k], ends[k], atTextStart, sink);
                }
            }
            case ISOLATED -> throw new AssertionError("handled above");
        }
    }

    private static void addRange(IntList bounds, int start, int end, boolean isMatch) {
        bounds.add(start);
        bounds.add(end);
        bounds.add(isMatch ? 1 : 0);
    }

    private static void emit(String text, int start, int end, boolean atTextStart, PieceSink sink) {
        if (end > start) {
            sink.accept(text.substring(start, end), atTextStart && start == 0);
        }
    }
}
