package dev.turbo4j.core.kvcache;

/**
 * A pool of KV blocks. A sequence's keys and values live in the blocks its block table
 * lists: position p is slot {@code p % blockSize} of block {@code table[p / blockSize]}.
 * The element format is hidden behind this seam: the forward pass only writes new K/V rows
 * and asks for attention scores and value sums per block, so F32, BF16 and quantized blocks
 * each bring their own inner loops.
 */
public interface KvCache extends AutoCloseable {
    KvCacheSpec spec();

    /** Stores one token's K and V rows (headDim each) of one kv head in a block slot. */
    void write(int layer, int block, int slot, int kvHead, float[] k, int kOff, float[] v, int vOff);

    /**
     * scores[i] = scale * (q · K[slot i]) for slots [0, count) of one block and kv head.
     */
    void keyScores(int layer, int block, int kvHead, int count, float[] q, int qOff, float scale, float[] scores);

    /** acc[accOff + d] += sum_i weights[i] * V[slot i][d] for slots [0, count). */
    void accumulateValues(int layer, int block, int kvHead, int count, float[] weights, float[] acc, int accOff);

    /** Off-heap bytes held by the pool. */
    long byteSize();

    @Override
    void close();
}
