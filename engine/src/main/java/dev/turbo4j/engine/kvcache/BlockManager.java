package dev.turbo4j.engine.kvcache;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * Accounting of the KV block pool (the blocks themselves live in a
 * {@link dev.turbo4j.core.kvcache.KvCache}). Owned by the engine thread: not thread-safe.
 *
 * <p>Each block counts its holders: {@code active} running sequences, {@code held} sequence
 * tables in total (running or idle sessions), and whether the prefix cache lists it. A block
 * with active users is ACTIVE; one that is only held or listed is CACHED and may be evicted
 * (least recently released first) when allocation needs room; one nobody holds is FREE.
 *
 * <p>Eviction does not notify holders. Instead every allocation gives the block a new
 * unique id, and a holder checks its recorded id before reusing the block (TurboMind's
 * scheme): a stale id means the contents are gone and must be recomputed.
 */
public final class BlockManager {
    /** Called when a cached block is evicted, so the prefix cache can forget it. */
    public interface EvictionListener {
        void evicted(int block);
    }

    private final int numBlocks;
    private final int[] active;
    private final int[] held;
    private final boolean[] listed;
    private final long[] uniqueIds;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final boolean[] isFree;
    /** CACHED blocks, least recently released first. */
    private final LinkedHashSet<Integer> lru = new LinkedHashSet<>();
    private long nextUniqueId = 1;
    private EvictionListener evictionListener = b -> { };

    public BlockManager(int numBlocks) {
        if (numBlocks < 1) {
            throw new IllegalArgumentException("the KV pool needs at least one block");
        }
        this.numBlocks = numBlocks;
        this.active = new int[numBlocks];
        this.held = new int[numBlocks];
        this.listed = new boolean[numBlocks];
        this.uniqueIds = new long[numBlocks];
        this.isFree = new boolean[numBlocks];
        for (int b = 0; b < numBlocks; b++) {
            free.add(b);
            isFree[b] = true;
        }
    }

    public void setEvictionListener(EvictionListener listener) {
        this.evictionListener = listener;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int freeCount() {
        return free.size();
    }

    public int cachedCount() {
        return lru.size();
    }

    public int activeCount() {
        return numBlocks - free.size() - lru.size();
    }

    /** Blocks an allocation could get now: free ones plus evictable cached ones. */
    public int availableCount() {
        return free.size() + lru.size();
    }

    public BlockState state(int block) {
        if (active[block] > 0) {
            return BlockState.ACTIVE;
        }
        return held[block] > 0 || listed[block] ? BlockState.CACHED : BlockState.FREE;
    }

    /** The id the block's current contents were allocated under. */
    public long uniqueId(int block) {
        return uniqueIds[block];
    }

    /** Whether a holder that recorded {@code uniqueId} still has the block's contents. */
    public boolean isValid(int block, long uniqueId) {
        return uniqueIds[block] == uniqueId && state(block) != BlockState.FREE;
    }

    /**
     * Allocates n blocks for a running sequence (ACTIVE, held once), evicting cached blocks
     * if needed. Returns null, changing nothing, if fewer than n are available.
     */
    public int[] allocate(int n) {
        if (n > availableCount()) {
            return null;
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            if (free.isEmpty()) {
                evictOne();
            }
            int b = free.poll();
            isFree[b] = false;
            uniqueIds[b] = nextUniqueId++;
            active[b] = 1;
            held[b] = 1;
            out[i] = b;
        }
        return out;
    }

    private void evictOne() {
        Iterator<Integer> it = lru.iterator();
        int b = it.next();
        it.remove();
        held[b] = 0;
        if (listed[b]) {
            listed[b] = false;
            evictionListener.evicted(b);
        }
        uniqueIds[b] = nextUniqueId++; // holders' ids go stale
        free.add(b);
        isFree[b] = true;
    }

    /** A running sequence starts using a block it (or the prefix cache) already had. */
    public void activate(int block, boolean newHolder) {
        if (active[block]++ == 0) {
            lru.remove(block);
        }
        if (newHolder) {
            held[block]++;
        }
    }

    /**
     * A running sequence stops using its blocks (finished a turn or preempted) but keeps them
     * in its table. Released from the last block to the first, so when they become cached the
     * tail is evicted before the head and a valid prefix survives longest.
     */
    public void deactivate(int[] blocks, int count) {
        for (int i = count - 1; i >= 0; i--) {
            int b = blocks[i];
            if (--active[b] == 0) {
                settle(b);
            }
        }
    }

    /** A sequence table drops its claim on blocks (session ended); stale ids are skipped. */
    public void release(int[] blocks, long[] ids, int count) {
        for (int i = count - 1; i >= 0; i--) {
            int b = blocks[i];
            if (uniqueIds[b] != ids[i] || held[b] == 0) {
                continue; // evicted meanwhile: the claim went with it
            }
            held[b]--;
            if (active[b] == 0) {
                settle(b);
            }
        }
    }

    /** The prefix cache lists or unlists a block. */
    public void setListed(int block, boolean value) {
        listed[block] = value;
        if (active[block] == 0) {
            settle(block);
        }
    }

    public boolean isListed(int block) {
        return listed[block];
    }

    /** Puts an inactive block where its holders say: the LRU tail, or the free list. */
    private void settle(int b) {
        lru.remove(b);
        if (held[b] > 0 || listed[b]) {
            lru.add(b);
        } else if (!isFree[b]) {
            free.add(b);
            isFree[b] = true;
        }
    }

    /** Checks that every block is in exactly one state's set; throws describing the first violation. */
    public void checkInvariants() {
        boolean[] inFree = new boolean[numBlocks];
        for (int b : free) {
            if (inFree[b]) {
                throw new IllegalStateException("block " + b + " is twice in the free list");
            }
            inFree[b] = true;
        }
        for (int b = 0; b < numBlocks; b++) {
            BlockState s = state(b);
            boolean inLru = lru.contains(b);
            boolean ok = switch (s) {
                case FREE -> inFree[b] && !inLru;
                case CACHED -> inLru && !inFree[b];
                case ACTIVE -> !inLru && !inFree[b];
            };
            if (!ok || active[b] < 0 || held[b] < 0 || (active[b] > 0 && held[b] < active[b])) {
                throw new IllegalStateException("block " + b + " is " + s + " but free=" + inFree[b] + " cached=" + inLru
                        + " active=" + active[b] + " held=" + held[b]);
            }
        }
    }

    @Override
    public String toString() {
        return "BlockManager[free=" + freeCount() + ", active=" + activeCount() + ", cached=" + cachedCount() + "]";
    }

    /** States of all blocks, for the web UI's picture of the pool. */
    public BlockState[] states() {
        BlockState[] out = new BlockState[numBlocks];
        Arrays.setAll(out, this::state);
        return out;
    }
}
