package dev.turbo4j.core.kvcache;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;


/**
 * KV blocks in int8 (quant_policy 8): a signed byte per element (code − 128) and per row an
 * f16 scale and a zero point, so x = (b − z) · scale. Attention folds the zero point out of
 * the loops: q·k = scale · (q·b − z · Σq), and value sums subtract z · Σ(weight · scale) once.
 */
public final class Int8KvCache extends QuantizedKvCache {

    Int8KvCache(KvCacheSpec spec) {
        super(spec, 256, 128);
    }

    @Override
    protected void storeCodes(long r) {
        for (int d = 0; d < headDim; d++) {
            pool.set(BYTE, r + d, (byte) (codes[d] - 128));
        }
    }

    @Override
    public void readRow(int block, int layer, int kind, int kvHead, int slot, float[] dst, int off) {
        long sec = section(block, layer, kind, kvHead);
        long r = row(sec, slot);
        long p = params(sec, slot);
        for (int d = 0; d < headDim; d++) {
            dst[off + d] = (pool.get(BYTE, r + d) - zero(p)) * scale(p);
        }
    }

    private int vectorBound() {
        return B == null ? 0 : F.loopBound(headDim);
    }

    /** The L codes at byte offset {@code at}, as floats (b, without the zero point). */
    private FloatVector codesAt(long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, pool, at, java.nio.ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Four keys at a time where vectors apply: their FMA chains run side by side (each key's own
     * sum is unchanged, so the scores are the same bits).
     */
    @Override
    public void keyScores(int layer, int block, int kvHead, int count, float[] q, int qOff, float attnScale, float[] scores) {
        long sec = section(block, layer, KEY, kvHead);
        float qSum = querySum(q, qOff);
        int vec = vectorBound();
        int s = 0;
        if (vec > 0) {
            for (; s + 4 <= count; s += 4) {
                long r0 = row(sec, s);
                long r1 = row(sec, s + 1);
                long r2 = row(sec, s + 2);
                long r3 = row(sec, s + 3);
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                for (int d = 0; d < vec; d += F.length()) {
                    FloatVector qv = FloatVector.fromArray(F, q, qOff + d);
                    a0 = codesAt(r0 + d).fma(qv, a0);
                    a1 = codesAt(r1 + d).fma(qv, a1);
                    a2 = codesAt(r2 + d).fma(qv, a2);
                    a3 = codesAt(r3 + d).fma(qv, a3);
                }
                scores[s] = score(params(sec, s), dot(sum(a0), r0, q, qOff, vec), qSum, attnScale);
                scores[s + 1] = score(params(sec, s + 1), dot(sum(a1), r1, q, qOff, vec), qSum, attnScale);
                scores[s + 2] = score(params(sec, s + 2), dot(sum(a2), r2, q, qOff, vec), qSum, attnScale);
                scores[s + 3] = score(params(sec, s + 3), dot(sum(a3), r3, q, qOff, vec), qSum, attnScale);
            }
        }
        for (; s < count; s++) {
            long r = row(sec, s);
            float vectorPart = 0f;
            if (vec > 0) {
                FloatVector acc = FloatVector.zero(F);
                for (int d = 0; d < vec; d += F.length()) {
                    acc = codesAt(r + d).fma(FloatVector.fromArray(F, q, qOff + d), acc);
                }
                vectorPart = sum(acc);
            }
            scores[s] = score(params(sec, s), dot(vectorPart, r, q, qOff, vec), qSum, attnScale);
        }
    }

    /** q·b: the vector part plus the columns from vec on (scalar). */
    private float dot(float vectorPart, long r, float[] q, int qOff, int vec) {
        float dot = vectorPart;
        for (int d = vec; d < headDim; d++) {
            dot += q[qOff + d] * pool.get(BYTE, r + d);
        }
        return dot;
    }

    /**
     * Up to four vectors of the head at a time, held in registers across all the block's slots
     * (see {@link Bf16KvCache#accumulateValues}); every element still adds the slots in order, so
     * the result is the same bits.
     */
    @Override
    public void accumulateValues(int layer, int block, int kvHead, int count, float[] weights, float[] acc, int accOff) {
        long sec = section(block, layer, VALUE, kvHead);
        int lanes = F.length();
        int vec = vectorBound();
        float correction = 0f;
        for (int s = 0; s < count; s++) {
            long p = params(sec, s);
            correction += weights[s] * scale(p) * zero(p);
        }
        int d = 0;
        for (; d + 4 * lanes <= vec; d += 4 * lanes) {
            FloatVector a0 = FloatVector.fromArray(F, acc, accOff + d);
            FloatVector a1 = FloatVector.fromArray(F, acc, accOff + d + lanes);
            FloatVector a2 = FloatVector.fromArray(F, acc, accOff + d + 2 * lanes);
            FloatVector a3 = FloatVector.fromArray(F, acc, accOff + d + 3 * lanes);
            for (int s = 0; s < count; s++) {
                long r = row(sec, s) + d;
                FloatVector c = FloatVector.broadcast(F, weights[s] * scale(params(sec, s)));
                a0 = codesAt(r).fma(c, a0);
                a1 = codesAt(r + lanes).fma(c, a1);
                a2 = codesAt(r + 2L * lanes).fma(c, a2);
                a3 = codesAt(r + 3L * lanes).fma(c, a3);
            }
            a0.intoArray(acc, accOff + d);
            a1.intoArray(acc, accOff + d + lanes);
            a2.intoArray(acc, accOff + d + 2 * lanes);
            a3.intoArray(acc, accOff + d + 3 * lanes);
        }
        for (; d < vec; d += lanes) {
            FloatVector a = FloatVector.fromArray(F, acc, accOff + d);
            for (int s = 0; s < count; s++) {
                a = codesAt(row(sec, s) + d).fma(FloatVector.broadcast(F, weights[s] * scale(params(sec, s))), a);
            }
            a.intoArray(acc, accOff + d);
        }
        for (; d < headDim; d++) {
            float v = acc[accOff + d];
            for (int s = 0; s < count; s++) {
                v += weights[s] * scale(params(sec, s)) * pool.get(BYTE, row(sec, s) + d);
            }
            acc[accOff + d] = v;
        }
        subtractZeroShare(acc, accOff, correction);
    }
}
