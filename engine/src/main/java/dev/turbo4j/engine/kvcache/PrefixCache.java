package dev.turbo4j.engine.kvcache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Shares full prompt blocks between sequences. A block is keyed by a hash chain: the hash of
 * its tokens and of the key of the block before it, so a key stands for the whole prefix up
 * to the block's end. On a hit the block's own tokens are compared too, so a hash collision
 * can never hand out wrong keys and values. Listed blocks stay in the LRU when nobody uses
 * them; the block manager tells this cache when it evicts one.
 */
public final class PrefixCache implements BlockManager.EvictionListener {
    private record Entry(int block, long uniqueId, int[] tokens) {
    }

    private final BlockManager blocks;
    private final int blockSize;
    private final Map<Long, Entry> byKey = new HashMap<>();
    private final Map<Integer, Long> keyOfBlock = new HashMap<>();
    private long hits;
    private long lookups;

    public PrefixCache(BlockManager blocks, int blockSize) {
        this.blocks = blocks;
        this.blockSize = blockSize;
        blocks.setEvictionListener(this);
    }

    /** The key of block i of {@code tokens}, given the key of block i - 1 (0 for the first). */
    public long key(long parentKey, int[] tokens, int blockIndex) {
        long h = parentKey * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        int start = blockIndex * blockSize;
        for (int i = start; i < start + blockSize; i++) {
            h = (h ^ tokens[i]) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    /**
     * The cached blocks that hold {@code tokens}' blocks [from, upTo) — the longest run found,
     * in order. {@code parentKey} is the key of block from - 1 (0 if from == 0).
     */
    public List<Integer> match(int[] tokens, int from, int upTo, long parentKey) {
        List<Integer> found = new ArrayList<>();
        long key = parentKey;
        for (int b = from; b < upTo; b++) {
            key = key(key, tokens, b);
            lookups++;
            Entry e = byKey.get(key);
            if (e == null || !blocks.isValid(e.block(), e.uniqueId())
                    || !Arrays.equals(e.tokens(), 0, blockSize, tokens, b * blockSize, (b + 1) * blockSize)) {
                break;
            }
            hits++;
            found.add(e.block());
        }
        return found;
    }

    /** Lists a computed full block under its key (a block already listed, or a key taken, is left as is). */
    public void register(long key, int block, int[] tokens, int blockIndex) {
        if (keyOfBlock.containsKey(block)) {
            return;
        }
        Entry existing = byKey.get(key);
        if (existing != null && blocks.isValid(existing.block(), existing.uniqueId())) {
            return;
        }
        int start = blockIndex * blockSize;
        byKey.put(key, new Entry(block, blocks.uniqueId(block), Arrays.copyOfRange(tokens, start, start + blockSize)));
        keyOfBlock.put(block, key);
        blocks.setListed(block, true);
    }

    @Override
    public void evicted(int block) {
        Long key = keyOfBlock.remove(block);
        if (key != null) {
            byKey.remove(key);
        }
    }

    /** Forgets every entry (their blocks become free unless sessions hold them). */
    public void clear() {
        for (int block : List.copyOf(keyOfBlock.keySet())) {
            keyOfBlock.remove(block);
            blocks.setListed(block, false);
        }
        byKey.clear();
    }

    public int size() {
        return byKey.size();
    }

    /** Fraction of block lookups that hit. */
    public double hitRate() {
        return lookups == 0 ? 0 : (double) hits / lookups;
    }
}
