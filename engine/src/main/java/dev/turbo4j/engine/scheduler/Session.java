package dev.turbo4j.engine.scheduler;

import java.util.Arrays;

/**
 * A session's token history and its KV blocks, owned by the engine thread. The first
 * {@code cachedLength} tokens have keys and values in the blocks of the table (as long as
 * the blocks' unique ids still match); the rest — a new turn, the last sampled token, or
 * everything after an eviction — are computed when the session next runs.
 */
final class Session {
    final long id;
    private int[] tokens = new int[64];
    private int length;
    int cachedLength;
    int[] blocks = new int[8];
    long[] blockIds = new long[8];
    int blockCount;
    /** Leading full blocks already offered to the prefix cache, and the hash-chain key of the last. */
    int registeredBlocks;
    long registeredKey;
    /** The request running on this session, or null when idle. */
    Request request;

    Session(long id) {
        this.id = id;
    }

    int length() {
        return length;
    }

    int[] tokens() {
        return tokens;
    }

    int token(int i) {
        return tokens[i];
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

    void addBlock(int block, long uniqueId) {
        if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, blockCount * 2);
            blockIds = Arrays.copyOf(blockIds, blockCount * 2);
        }
        blocks[blockCount] = block;
        blockIds[blockCount++] = uniqueId;
    }

    /** Drops blocks from index {@code keep} on; the caller releases them first. */
    void truncateBlocks(int keep, int blockSize) {
        blockCount = keep;
        cachedLength = Math.min(cachedLength, keep * blockSize);
        if (registeredBlocks > keep) {
            registeredBlocks = 0; // recompute the key chain from the start
            registeredKey = 0;
        }
    }

    /** Keeps the first {@code n} tokens; the caller first drops the blocks that hold any later one. */
    void truncate(int n) {
        length = n;
        cachedLength = Math.min(cachedLength, n);
    }

    /** Forgets the history (sequence_start); the caller releases the blocks first. */
    void clearHistory() {
        length = 0;
        cachedLength = 0;
        blockCount = 0;
        registeredBlocks = 0;
        registeredKey = 0;
    }

    /** The block table as the forward pass wants it. */
    int[] blockTable() {
        return Arrays.copyOf(blocks, blockCount);
    }
}
