package dev.turbo4j.core.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Python {@code str} and sequence semantics that chat templates rely on and Java lacks or
 * spells differently (Python whitespace, {@code split()} without a separator, {@code title()},
 * slices with a step). Indices count code points, as Python does.
 */
final class PythonStrings {
    private PythonStrings() {
    }

    /** Python's {@code str.isspace()} for one code point (includes U+00A0, unlike Java's trim). */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || (cp >= 0x1c && cp <= 0x1f);
    }

    /** {@code s.strip(chars)}; {@code chars == null} strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && strippable(s.codePointAt(start), chars)) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (right && end > start && strippable(s.codePointBefore(end), chars)) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static boolean strippable(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    /** {@code s.split(sep, maxsplit)}; {@code sep == null} splits on runs of whitespace. */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(strip(s.substring(i), null, false, true));
                    return parts;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                parts.add(s.substring(i, j));
                i = j;
            }
        }
        requireSeparator(sep);
        int from = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    /** {@code s.rsplit(sep, maxsplit)}: like split, but the splits are counted from the right. */
    static List<String> rsplit(String s, String sep, int maxSplit) {
        if (sep == null || maxSplit < 0) {
            return split(s, sep, maxSplit);
        }
        requireSeparator(sep);
        List<String> parts = new ArrayList<>();
        int end = s.length();
        int at;
        while (parts.size() < maxSplit && (at = s.lastIndexOf(sep, end - sep.length())) >= 0) {
            parts.addFirst(s.substring(at + sep.length(), end));
            end = at;
        }
        parts.addFirst(s.substring(0, end));
        return parts;
    }

    private static void requireSeparator(String sep) {
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
    }

    /** {@code s.title()}: a letter is upper-cased after a non-letter, lower-cased after a letter. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousIsLetter = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            out.appendCodePoint(previousIsLetter ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            previousIsLetter = Character.isLetter(cp);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** {@code s.capitalize()}: first character upper case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
            .append(s.substring(Character.charCount(first)).toLowerCase()).toString();
    }

    /** {@code s.replace(old, new, count)}; {@code count < 0} replaces all. */
    static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int done = 0; done < count; done++) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            if (old.isEmpty()) { // Python inserts between every character
                if (from >= s.length()) {
                    break;
                }
                out.appendCodePoint(s.codePointAt(from));
                from += Character.charCount(s.codePointAt(from));
            }
        }
        return out.append(s.substring(from)).toString();
    }

    /** The positions {@code seq[start:stop:step]} selects from a sequence of {@code length}. */
    static List<Integer> sliceIndices(Long start, Long stop, Long step, int length) {
        long by = step == null ? 1 : step;
        if (by == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        long lower = by < 0 ? -1 : 0;
        long upper = by < 0 ? length - 1 : length;
        long from = start == null ? (by < 0 ? upper : lower) : clampIndex(start, length, lower, upper);
        long to = stop == null ? (by < 0 ? lower : upper) : clampIndex(stop, length, lower, upper);
        List<Integer> indices = new ArrayList<>();
        for (long i = from; by > 0 ? i < to : i > to; i += by) {
            indices.add((int) i);
        }
        return indices;
    }

    private static long clampIndex(long index, int length, long lower, long upper) {
        long i = index < 0 ? index + length : index;
        return Math.max(lower, Math.min(upper, i));
    }

    /** {@code s[start:stop:step]}. */
    static String slice(String s, Long start, Long stop, Long step) {
        int[] cps = s.codePoints().toArray();
        StringBuilder out = new StringBuilder();
        for (int i : sliceIndices(start, stop, step, cps.length)) {
            out.appendCodePoint(cps[i]);
        }
        return out.toString();
    }

    /** {@code list[start:stop:step]}. */
    static List<Object> slice(List<?> list, Long start, Long stop, Long step) {
        List<Object> out = new ArrayList<>();
        for (int i : sliceIndices(start, stop, step, list.size())) {
            out.add(list.get(i));
        }
        return out;
    }
}
