package dev.turbo4j.core.kvcache;

import dev.turbo4j.core.tensor.Float16;

import java.lang.foreign.ValueLayout;

/** KV blocks in bfloat16: half the memory of F32, rounded to nearest even on write. */
public final class Bf16KvCache extends PagedKvCache {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    Bf16KvCache(KvCacheSpec spec) {
        super(spec);
    }

    @Override
    protected void store(long index, float[] src, int off, int n) {
        for (int i = 0; i < n; i++) {
            pool.setAtIndex(SHORT, index + i, Float16.floatToBf16(src[off + i]));
        }
    }

    private float load(long index) {
        return Float.intBitsToFloat((pool.getAtIndex(SHORT, index) & 0xFFFF) << 16);
    }

    @Override
    public void keyScores(int layer, int block, int kvHead, int count, float[] q, int qOff, float scale, float[] scores) {
        int hd = spec.headDim();
        long base = index(block, layer, 0, kvHead, 0);
        for (int s = 0; s < count; s++) {
            long row = base + (long) s * hd;
            float dot = 0f;
            for (int d = 0; d < hd; d++) {
                dot += q[qOff + d] * load(row + d);
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
                acc[accOff + d] += w * load(row + d);
            }
        }
    }
}
