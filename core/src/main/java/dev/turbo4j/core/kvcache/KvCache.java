package dev.turbo4j.core.kvcache;

/**
 * A pool of KV blocks. A sequence's keys and values live in the blocks its block table
 * lists: position p is slot {@code p % blockSize} of block {@code table[p / blockSize]}.
 * The element format is hidden behind this seam: the forward pass only writes new K/V rows
 * and asks for attention scores and value sums per block and group of query heads, so F32, BF16 and quantized blocks
 * each bring their own inner loops.
 */
public interface KvCache extends AutoCloseable {
    KvCacheSpec spec();

    /** Stores one token's K and V rows (headDim each) of one kv head in a block slot. */
    void write(int layer, int block, int slot, int kvHead, float[] k, int kOff, float[] v, int vOff);

    /**
     * Attention scores of a group of query heads that share one kv head (GQA): for each head
     * g in [0, heads) and slot i in [0, count) of the block,
     * scores[g * stride + i] = scale * (q_g · K[slot i]), where q_g starts at
     * q[qOff + g * headDim]. Taking the group at once lets a format read and widen each key
     * once for all of its heads.
     */
    void keyScores(int layer, int block, int kvHead, int count, int heads, float[] q, int qOff, float scale,
                   float[] scores, int stride);

    /**
     * Value sums of a group of query heads that share one kv head: for each head g in
     * [0, heads), acc[accOff + g * headDim + d] += sum_i weights[g * stride + i] * V[slot i][d]
     * over slots [0, count).
     */
    void accumulateValues(int layer, int block, int kvHead, int count, int heads, float[] weights, int stride,
                          float[] acc, int accOff);

    /** Off-heap bytes held by the pool. */
    long byteSize();

    @Override
    void close();
}
