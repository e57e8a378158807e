package dev.turbo4j.core.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece's BPE segmentation (bpe_model.cc): the normalized text starts as characters
 * (user-defined pieces kept whole and frozen); repeatedly the adjacent pair whose concatenation
 * is a piece with the highest score is merged, leftmost first on ties. Merges that went through
 * an unused piece are undone again. The result is pieces as strings; the caller maps them to ids.
 */
final class SentencePieceBpe {

    /** A candidate merge of symbols {@code left} and {@code right}; stale when either changed size. */
    private record Candidate(float score, int left, int right, int size) {
    }

    private final Map<String, Integer> mergeablePieces;
    private final float[] scores;
    private final boolean[] unused;
    /** User-defined pieces by first char, longest first. */
    private final Map<Character, List<String>> userDefinedByFirstChar = new HashMap<>();

    /**
     * @param mergeablePieces normal, user-defined and unused pieces: those a merge may produce
     */
    SentencePieceBpe(Map<String, Integer> mergeablePieces, float[] scores, boolean[] unused, List<String> userDefined) {
        this.mergeablePieces = mergeablePieces;
        this.scores = scores;
        this.unused = unused;
        for (String piece : userDefined) {
            if (!piece.isEmpty()) {
                userDefinedByFirstChar.computeIfAbsent(piece.charAt(0), c -> new ArrayList<>()).add(piece);
            }
        }
        userDefinedByFirstChar.values().forEach(list -> list.sort((a, b) -> b.length() - a.length()));
    }

    /** Segments normalized text into pieces (strings, which may be missing from the vocabulary). */
    List<String> segment(String text) {
        // Symbols as [start, end) ranges of text in a linked list; an empty range means merged away.
        int n = text.length();
        int[] start = new int[n];
        int[] end = new int[n];
        boolean[] frozen = new boolean[n];
        int count = 0;
        for (int i = 0; i < n; ) {
            String userPiece = userDefinedAt(text, i);
            int length = userPiece != null ? userPiece.length() : Character.charCount(text.codePointAt(i));
            start[count] = i;
            end[count] = i + length;
            frozen[count] = userPiece != null;
            count++;
            i += length;
        }
        int[] prev = new int[count];
        int[] next = new int[count];
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        PriorityQueue<Candidate> agenda = new PriorityQueue<>(Math.max(1, count),
                (a, b) -> a.score() != b.score() ? Float.compare(b.score(), a.score()) : Integer.compare(a.left(), b.left()));
        Map<String, String[]> reverseMerges = new HashMap<>();
        for (int i = 0; i + 1 < count; i++) {
            addCandidate(text, i, i + 1, start, end, frozen, agenda, reverseMerges);
        }
        while (!agenda.isEmpty()) {
            Candidate top = agenda.poll();
            int left = top.left();
            int right = top.right();
            if (start[left] == end[left] || start[right] == end[right]
                    || (end[left] - start[left]) + (end[right] - start[right]) != top.size()) {
                continue; // one side was merged with something else meanwhile
            }
            end[left] = end[right];
            start[right] = end[right];
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                addCandidate(text, prev[left], left, start, end, frozen, agenda, reverseMerges);
            }
            if (next[left] >= 0) {
                addCandidate(text, left, next[left], start, end, frozen, agenda, reverseMerges);
            }
        }
        List<String> pieces = new ArrayList<>();
        for (int i = count == 0 ? -1 : 0; i >= 0; i = next[i]) {
            resegment(text.substring(start[i], end[i]), reverseMerges, pieces);
        }
        return pieces;
    }

    private void addCandidate(String text, int left, int right, int[] start, int[] end, boolean[] frozen,
            PriorityQueue<Candidate> agenda, Map<String, String[]> reverseMerges) {
        if (frozen[left] || frozen[right]) {
            return;
        }
        String merged = text.substring(start[left], end[right]);
        Integer id = mergeablePieces.get(merged);
        if (id == null) {
            return;
        }
        agenda.add(new Candidate(scores[id], left, right, merged.length()));
        if (unused[id]) {
            reverseMerges.put(merged, new String[] {text.substring(start[left], end[left]),
                    text.substring(start[right], end[right])});
        }
    }

    /** An unused piece is not emitted: it is split back into the two pieces it was merged from. */
    private void resegment(String piece, Map<String, String[]> reverseMerges, List<String> out) {
        Integer id = mergeablePieces.get(piece);
        String[] parts = id != null && unused[id] ? reverseMerges.get(piece) : null;
        if (parts == null) {
            out.add(piece);
            return;
        }
        resegment(parts[0], reverseMerges, out);
        resegment(parts[1], reverseMerges, out);
    }

    private String userDefinedAt(String text, int position) {
        List<String> candidates = userDefinedByFirstChar.get(text.charAt(position));
        if (candidates != null) {
            for (String candidate : candidates) {
                if (text.startsWith(candidate, position)) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
