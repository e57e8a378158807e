package dev.turbo4j.core.kvcache;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** KV blocks of plain floats: exact, 4 bytes per element. */
public final class F32KvCache extends PagedKvCache {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    F32KvCache(KvCacheSpec spec) {
        super(spec);
    }

    @Override
    protected void store(long section, int slot, float[] src, int off) {
        MemorySegmentCopy.floats(src, off, pool, row(section, slot), headDim);
    }

    @Override
    public void readRow(int block, int layer, int kind, int kvHead, int slot, float[] dst, int off) {
        long r = row(section(block, layer, kind, kvHead), slot);
        for (int d = 0; d < headDim; d++) {
            dst[off + d] = pool.get(FLOAT, r + 4L * d);
        }
    }

    @Override
    protected void keyScores1(long base, int count, float[] q, int qOff, float scale, float[] scores, int scoresOff) {
        int vec = F.loopBound(headDim);
        for (int s = 0; s < count; s++) {
            long r = row(base, s);
            FloatVector acc = FloatVector.zero(F);
            int d = 0;
            for (; d < vec; d += F.length()) {
                acc = FloatVector.fromMemorySegment(F, pool, r + 4L * d, LE).fma(FloatVector.fromArray(F, q, qOff + d), acc);
            }
            float dot = sum(acc);
            for (; d < headDim; d++) {
                dot += q[qOff + d] * pool.get(FLOAT, r + 4L * d);
            }
            scores[scoresOff + s] = dot * scale;
        }
    }

    @Override
    protected void accumulateValues1(long base, int count, float[] weights, int weightsOff, float[] acc, int accOff) {
        int vec = F.loopBound(headDim);
        for (int s = 0; s < count; s++) {
            long r = row(base, s);
            float w = weights[weightsOff + s];
            FloatVector wv = FloatVector.broadcast(F, w);
            int d = 0;
            for (; d < vec; d += F.length()) {
                FloatVector.fromMemorySegment(F, pool, r + 4L * d, LE)
                        .fma(wv, FloatVector.fromArray(F, acc, accOff + d)).intoArray(acc, accOff + d);
            }
            for (; d < headDim; d++) {
                acc[accOff + d] += w * pool.get(FLOAT, r + 4L * d);
            }
        }
    }
}
