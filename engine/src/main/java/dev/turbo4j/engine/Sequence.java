package dev.turbo4j.engine;

import java.util.Arrays;

/**
 * A session's token history and where its keys and values live. {@code cachedLength} tokens
 * of the history have K/V in the cache; the rest (the last sampled token, a new turn) are
 * prefilled at the next request, so each turn computes only what is new.
 */
public final class Sequence {
    private final long sessionId;
    private int[] tokens = new int[64];
    private int length;
    private int cachedLength;
    private int[] blockTable = new int[0];

    public Sequence(long sessionId) {
        this.sessionId = sessionId;
    }

    public long sessionId() {
        return sessionId;
    }

    /** Tokens of the whole session so far. */
    public int length() {
        return length;
    }

    /** Tokens whose K/V are in the cache. */
    public int cachedLength() {
        return cachedLength;
    }

    public int[] tokens() {
        return Arrays.copyOf(tokens, length);
    }

    int[] tokenArray() {
        return tokens;
    }

    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, length * 2);
        }
        tokens[length++] = token;
    }

    void append(int[] ids) {
        for (int id : ids) {
            append(id);
        }
    }

    void markCached(int n) {
        cachedLength = n;
    }

    int[] blockTable() {
        return blockTable;
    }

    void setBlockTable(int[] table) {
        blockTable = table;
    }

    /** Forgets everything (a new chat). */
    void reset() {
        length = 0;
        cachedLength = 0;
    }
}
