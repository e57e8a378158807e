package dev.turbo4j.core.tokenizer;

import java.util.List;
import java.util.Map;

/**
 * Hugging Face's BPE model: a word becomes characters (or byte-fallback tokens, or unk), then
 * the merge with the lowest rank is applied, leftmost first, until none applies. Thread-safe.
 */
final class BpeModel {
    /** A merge rule {@code left + right}, both tokens of the vocabulary. */
    record Merge(String left, String right) {
    }

    /**
     * @param unkToken                the unknown token, or null (then unknown characters are dropped)
     * @param continuingSubwordPrefix put in front of every non-initial character, or null
     * @param endOfWordSuffix         appended to the last character, or null
     * @param ignoreMerges            a word found whole in the vocabulary is taken as is (Llama-3)
     */
    record Options(String unkToken, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges,
            String continuingSubwordPrefix, String endOfWordSuffix) {
    }

    private final Map<String, Integer> vocab;
    private final String[] tokensById;
    /** (left id, right id) → (rank << 32 | merged id). */
    private final LongLongHashMap merges;
    private final int[] mergedIdByRank;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String continuingSubwordPrefix;
    private final String endOfWordSuffix;
    /** Id of the token {@code <0xHH>} per byte, -1 where the vocabulary lacks it. */
    private final int[] byteTokenIds = new int[256];
    /** Id of each single-char token (BMP), -1 where absent; the common case of the symbol lookup. */
    private final int[] singleCharIds = new int[Character.MAX_VALUE + 1];
    private final WordCache cache = new WordCache();
    /** Long words may be cut before "▁" (see {@link SpaceSymbolChunks}); true for SentencePiece-style vocabularies. */
    private final boolean cutBeforeSpaceSymbol;

    /** Ids a vocabulary of {@code size} tokens may use: twice its size, and at least 2^20. */
    private static int maxIdAllowed(int size) {
        return Math.max(2 * size + 256, 1 << 20);
    }

    /**
     * @throws IllegalArgumentException when a merge names a token missing from the vocabulary, or
     *                                  a token's id is negative or far beyond the vocabulary's size
     */
    BpeModel(Map<String, Integer> vocab, List<Merge> mergeList, Options options) {
        this.vocab = vocab;
        int maxId = -1;
        for (Map.Entry<String, Integer> token : vocab.entrySet()) {
            int id = token.getValue();
            // Vocabularies number their tokens 0 .. n-1; a pruned one may keep sparse ids, but
            // not an id that would size the id table by gigabytes.
            if (id < 0 || id >= maxIdAllowed(vocab.size())) {
                throw new IllegalArgumentException("token " + quote(token.getKey()) + " has id " + id + ", outside 0 to "
                        + (maxIdAllowed(vocab.size()) - 1) + " (the vocabulary has " + vocab.size() + " tokens)");
            }
            maxId = Math.max(maxId, id);
        }
        tokensById = new String[maxId + 1];
        vocab.forEach((token, id) -> tokensById[id] = token);
        this.fuseUnk = options.fuseUnk();
        this.byteFallback = options.byteFallback();
        this.ignoreMerges = options.ignoreMerges();
        this.continuingSubwordPrefix = emptyToNull(options.continuingSubwordPrefix());
        this.endOfWordSuffix = emptyToNull(options.endOfWordSuffix());
        if (options.unkToken() != null && !vocab.containsKey(options.unkToken())) {
            throw new IllegalArgumentException("unk_token " + quote(options.unkToken()) + " is not in the vocabulary");
        }
        this.unkId = options.unkToken() == null ? -1 : vocab.get(options.unkToken());

        merges = new LongLongHashMap(mergeList.size());
        mergedIdByRank = new int[mergeList.size()];
        for (int rank = 0; rank < mergeList.size(); rank++) {
            Merge merge = mergeList.get(rank);
            int left = requireToken(merge.left(), rank);
            int right = requireToken(merge.right(), rank);
            int merged = requireToken(merge.left() + merge.right(), rank);
            mergedIdByRank[rank] = merged;
            merges.put(pairKey(left, right), ((long) rank << 32) | merged);
        }
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
        cutBeforeSpaceSymbol = SpaceSymbolChunks.canCut(vocab.keySet());
        java.util.Arrays.fill(singleCharIds, -1);
        vocab.forEach((token, id) -> {
            if (token.length() == 1) {
                singleCharIds[token.charAt(0)] = id;
            }
        });
    }

    private int requireToken(String token, int rank) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("merge #" + rank + " uses " + quote(token) + ", which is not in the vocabulary");
        }
        return id;
    }

    int vocabSize() {
        return tokensById.length;
    }

    String idToToken(int id) {
        return id >= 0 && id < tokensById.length ? tokensById[id] : null;
    }

    int tokenToId(String token) {
        return vocab.getOrDefault(token, -1);
    }

    /** Appends the ids of one pre-tokenized word. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        if (cutBeforeSpaceSymbol && word.indexOf(SpaceSymbolChunks.SPACE_SYMBOL, 1) > 0) {
            SpaceSymbolChunks.cut(word, chunk -> out.addAll(cache.get(chunk, this::mergeWord)));
        } else {
            out.addAll(cache.get(word, this::mergeWord));
        }
    }

    private int[] mergeWord(String word) {
        int length = word.length();
        int[] ids = new int[length + 4];
        int count = 0;
        int pendingUnk = -1; // unknown chars are held back so consecutive ones can be fused
        for (int i = 0; i < length; ) {
            int codePoint = word.codePointAt(i);
            int end = i + Character.charCount(codePoint);
            int id = symbolId(word, i, end);
            if (id >= 0) {
                if (pendingUnk >= 0) {
                    ids = append(ids, count++, pendingUnk);
                    pendingUnk = -1;
                }
                ids = append(ids, count++, id);
            } else if (byteFallback && allBytesKnown(word, i, end)) {
                // As Hugging Face: byte tokens go in without first flushing a pending unk.
                for (byte b : symbolText(word, i, end).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    ids = append(ids, count++, byteTokenIds[b & 0xFF]);
                }
            } else if (unkId >= 0) {
                if (pendingUnk >= 0 && !fuseUnk) {
                    ids = append(ids, count++, pendingUnk);
                }
                pendingUnk = unkId;
            }
            i = end;
        }
        if (pendingUnk >= 0) {
            ids = append(ids, count++, pendingUnk);
        }
        return applyMerges(ids, count);
    }

    /** Lowest rank first, then leftmost; stale queue entries are skipped, as in Hugging Face's Word::merge_all. */
    private int[] applyMerges(int[] ids, int count) {
        if (count < 2) {
            return java.util.Arrays.copyOf(ids, count);
        }
        int[] prev = new int[count];
        int[] next = new int[count];
        LongMinHeap queue = new LongMinHeap(count);
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
            if (i + 1 < count) {
                long merge = merges.get(pairKey(ids[i], ids[i + 1]));
                if (merge != LongLongHashMap.MISSING) {
                    queue.push((merge & 0xFFFF_FFFF_0000_0000L) | i);
                }
            }
        }
        int remaining = count;
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) {
                continue;
            }
            long merge = merges.get(pairKey(ids[pos], ids[right]));
            if (merge == LongLongHashMap.MISSING || (int) merge != mergedIdByRank[rank]) {
                continue;
            }
            ids[pos] = (int) merge;
            ids[right] = -1;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            remaining--;
            if (prev[pos] >= 0) {
                long left = merges.get(pairKey(ids[prev[pos]], ids[pos]));
                if (left != LongLongHashMap.MISSING) {
                    queue.push((left & 0xFFFF_FFFF_0000_0000L) | prev[pos]);
                }
            }
            if (next[pos] >= 0) {
                long after = merges.get(pairKey(ids[pos], ids[next[pos]]));
                if (after != LongLongHashMap.MISSING) {
                    queue.push((after & 0xFFFF_FFFF_0000_0000L) | pos);
                }
            }
        }
        int[] result = new int[remaining];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            result[k++] = ids[i];
        }
        return result;
    }

    /** The vocabulary id of the character at [start, end) with its prefix/suffix, or -1. */
    private int symbolId(String word, int start, int end) {
        if (continuingSubwordPrefix == null && endOfWordSuffix == null && end - start == 1) {
            return singleCharIds[word.charAt(start)];
        }
        return vocab.getOrDefault(symbolText(word, start, end), -1);
    }

    private String symbolText(String word, int start, int end) {
        String symbol = word.substring(start, end);
        if (start > 0 && continuingSubwordPrefix != null) {
            symbol = continuingSubwordPrefix + symbol;
        }
        if (end == word.length() && endOfWordSuffix != null) {
            symbol = symbol + endOfWordSuffix;
        }
        return symbol;
    }

    private boolean allBytesKnown(String word, int start, int end) {
        for (byte b : symbolText(word, start, end).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            if (byteTokenIds[b & 0xFF] < 0) {
                return false;
            }
        }
        return true;
    }

    private static int[] append(int[] ids, int index, int id) {
        if (index == ids.length) {
            ids = java.util.Arrays.copyOf(ids, ids.length * 2);
        }
        ids[index] = id;
        return ids;
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String quote(String token) {
        return "\"" + token + "\"";
    }
}
