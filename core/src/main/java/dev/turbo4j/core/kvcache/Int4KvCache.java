package dev.turbo4j.core.kvcache;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * KV blocks in int4 (quant_policy 4): byte j of a row holds element j in its low nibble and
 * element j + headDim/2 in its high one, so both halves unpack to contiguous runs; per row an
 * f16 scale and a zero point (0..15), x = (code − zero) · scale. The zero point is folded out
 * of the loops as in {@link Int8KvCache}.
 */
public final class Int4KvCache extends QuantizedKvCache {
    private final int half;

    Int4KvCache(KvCacheSpec spec) {
        super(spec, 16, 0);
        this.half = spec.headDim() / 2;
    }

    @Override
    protected void storeCodes(long r) {
        for (int j = 0; j < half; j++) {
            pool.set(BYTE, r + j, (byte) (codes[j] | (codes[j + half] << 4)));
        }
    }

    @Override
    public void readRow(int block, int layer, int kind, int kvHead, int slot, float[] dst, int off) {
        long sec = section(block, layer, kind, kvHead);
        long r = row(sec, slot);
        int zero = zero(sec, slot);
        float scale = scale(sec, slot);
        for (int j = 0; j < half; j++) {
            int b = pool.get(BYTE, r + j) & 0xFF;
            dst[off + j] = ((b & 0x0F) - zero) * scale;
            dst[off + j + half] = ((b >>> 4) - zero) * scale;
        }
    }

    private int vectorBound() {
        return B == null ? 0 : F.loopBound(half);
    }

    private static FloatVector low(ByteVector b) {
        return (FloatVector) b.and((byte) 0x0F).convertShape(VectorOperators.B2F, F, 0);
    }

    private static FloatVector high(ByteVector b) {
        return (FloatVector) b.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    protected void keyScores1(long sec, int count, float[] q, int qOff, float attnScale, float[] scores, int scoresOff) {
        float qSum = querySum(q, qOff);
        int vec = vectorBound();
        for (int s = 0; s < count; s++) {
            long r = row(sec, s);
            float dot = 0f;
            int j = 0;
            if (vec > 0) {
                FloatVector acc = FloatVector.zero(F);
                for (; j < vec; j += F.length()) {
                    ByteVector b = ByteVector.fromMemorySegment(B, pool, r + j, LE);
                    acc = low(b).fma(FloatVector.fromArray(F, q, qOff + j), acc);
                    acc = high(b).fma(FloatVector.fromArray(F, q, qOff + half + j), acc);
                }
                dot = sum(acc);
            }
            for (; j < half; j++) {
                int b = pool.get(BYTE, r + j) & 0xFF;
                dot += q[qOff + j] * (b & 0x0F) + q[qOff + half + j] * (b >>> 4);
            }
            scores[scoresOff + s] = score(sec, s, dot, qSum, attnScale);
        }
    }

    @Override
    protected void accumulateValues1(long sec, int count, float[] weights, int weightsOff, float[] acc, int accOff) {
        int vec = vectorBound();
        float correction = 0f;
        for (int s = 0; s < count; s++) {
            long r = row(sec, s);
            float c = weights[weightsOff + s] * scale(sec, s);
            FloatVector cv = FloatVector.broadcast(F, c);
            correction += c * zero(sec, s);
            int j = 0;
            for (; j < vec; j += F.length()) {
                ByteVector b = ByteVector.fromMemorySegment(B, pool, r + j, LE);
                low(b).fma(cv, FloatVector.fromArray(F, acc, accOff + j)).intoArray(acc, accOff + j);
                high(b).fma(cv, FloatVector.fromArray(F, acc, accOff + half + j)).intoArray(acc, accOff + half + j);
            }
            for (; j < half; j++) {
                int b = pool.get(BYTE, r + j) & 0xFF;
                acc[accOff + j] += c * (b & 0x0F);
                acc[accOff + half + j] += c * (b >>> 4);
            }
        }
        subtractZeroShare(acc, accOff, correction);
    }
}
