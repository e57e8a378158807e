package dev.turbo4j.core.tokenizer;

/**
 * An open-addressing map from non-negative long keys to non-negative long values, for the BPE
 * merge table: a (left id, right id) pair packed in a long maps to (rank, merged id), with no
 * boxing on the hot path.
 */
final class LongLongHashMap {
    static final long MISSING = -1L;
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private int size;

    LongLongHashMap(int expectedSize) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedSize * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        java.util.Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    /** Inserts or overwrites (a later duplicate merge wins, as in Hugging Face). */
    void put(long key, long value) {
        int slot = slotOf(key);
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        if (keys[slot] == EMPTY) {
            if (++size * 2 > keys.length) {
                throw new IllegalStateException("map sized for fewer entries");
            }
            keys[slot] = key;
        }
        values[slot] = value;
    }

    long get(long key) {
        int slot = slotOf(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return values[slot];
            }
            if (k == EMPTY) {
                return MISSING;
            }
            slot = (slot + 1) & mask;
        }
    }

    private int slotOf(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
