package dev.turbo4j.core.kvcache;

import java.lang.foreign.ValueLayout;

/** KV blocks of plain floats: exact, 4 bytes per element. */
public final class F32KvCache extends PagedKvCache {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    F32KvCache(KvCacheSpec spec) {
        super(spec);
    }

    @Override
    protected void store(long index, float[] src, int off, int n) {
        for (int i = 0; i < n; i++) {
            pool.setAtIndex(FLOAT, index + i, src[off + i]);
        }
    }

    @Override
    public void keyScores(int layer, int block, int kvHead, int count, float[] q, int qOff, float scale, float[] scores) {
        int hd = spec.headDim();
        long base = index(block, layer, 0, kvHead, 0);
        for (int s = 0; s < count; s++) {
            long row = base + (long) s * hd;
            float dot = 0f;
            for (int d = 0; d < hd; d++) {
                dot += q[qOff + d] * pool.getAtIndex(FLOAT, row + d);
            }
            scores[s] = dot * scale;
        }
    }

    @Override
    public void accumulateValues(int layer, int block, int kvHead, int count, float[] weights, float[] acc, int accOff) {
        int hd = spec.headDim();
        long base = index(block, layer, 1, kvHead, 0);
        for (int s = 0; s < count; s++) {
            long row = base + (long) s * hd;
            float w = weights[s];
            for (int d = 0; d < hd; d++) {
                acc[accOff + d] += w * pool.getAtIndex(FLOAT, row + d);
            }
        }
    }
}
