package dev.turbo4j.core.kvcache;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;


/**
 * KV blocks in int8 (quant_policy 8): a signed byte per element (code − 128) and per row an
 * f16 scale and a zero point, so x = (b − z) · scale. Attention folds the zero point out of
 * the loops: q·k = scale · (q·b − z · Σq), and value sums subtract z · Σ(weight · scale) once.
 * The loops take each block's scales and zero points decoded once ({@link #decodeParams}), so
 * the query heads of a group share them and the per-key work outside the FMA chains is vector.
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
        int zero = zero(sec, slot);
        float scale = scale(sec, slot);
        for (int d = 0; d < headDim; d++) {
            dst[off + d] = (pool.get(BYTE, r + d) - zero) * scale;
        }
    }

    private int vectorBound() {
        return B == null ? 0 : F.loopBound(headDim);
    }

    /** The L codes at byte offset {@code at}, as floats (b, without the zero point). */
    private FloatVector codesAt(long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, pool, at, LE)
                .convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Four keys at a time where vectors apply: their FMA chains run side by side. The code dot
     * products become scores in one vector pass over the block.
     */
    @Override
    protected void keyScores1(long sec, int count, float[] q, int qOff, float attnScale, float[] scores, int scoresOff) {
        float[] p = decodeParams(sec, count);
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
                scores[scoresOff + s] = dot(sum(a0), r0, q, qOff, vec);
                scores[scoresOff + s + 1] = dot(sum(a1), r1, q, qOff, vec);
                scores[scoresOff + s + 2] = dot(sum(a2), r2, q, qOff, vec);
                scores[scoresOff + s + 3] = dot(sum(a3), r3, q, qOff, vec);
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
            scores[scoresOff + s] = dot(vectorPart, r, q, qOff, vec);
        }
        codeDotsToScores(scores, scoresOff, count, p, querySum(q, qOff), attnScale);
    }

    /**
     * Four query heads of a GQA group: each key's codes are widened once for all four heads'
     * FMA chains. Each head's score is the one {@link #keyScores1} computes, in the same order.
     */
    @Override
    protected void keyScores4(long sec, int count, float[] q, int qOff, float attnScale, float[] scores, int scoresOff,
                              int stride) {
        int vec = vectorBound();
        if (vec == 0) {
            super.keyScores4(sec, count, q, qOff, attnScale, scores, scoresOff, stride);
            return;
        }
        float[] p = decodeParams(sec, count);
        int q1 = qOff + headDim;
        int q2 = q1 + headDim;
        int q3 = q2 + headDim;
        int s1 = scoresOff + stride;
        int s2 = s1 + stride;
        int s3 = s2 + stride;
        for (int s = 0; s < count; s++) {
            long r = row(sec, s);
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int d = 0; d < vec; d += F.length()) {
                FloatVector k = codesAt(r + d);
                a0 = k.fma(FloatVector.fromArray(F, q, qOff + d), a0);
                a1 = k.fma(FloatVector.fromArray(F, q, q1 + d), a1);
                a2 = k.fma(FloatVector.fromArray(F, q, q2 + d), a2);
                a3 = k.fma(FloatVector.fromArray(F, q, q3 + d), a3);
            }
            scores[scoresOff + s] = dot(sum(a0), r, q, qOff, vec);
            scores[s1 + s] = dot(sum(a1), r, q, q1, vec);
            scores[s2 + s] = dot(sum(a2), r, q, q2, vec);
            scores[s3 + s] = dot(sum(a3), r, q, q3, vec);
        }
        codeDotsToScores(scores, scoresOff, count, p, querySum(q, qOff), attnScale);
        codeDotsToScores(scores, s1, count, p, querySum(q, q1), attnScale);
        codeDotsToScores(scores, s2, count, p, querySum(q, q2), attnScale);
        codeDotsToScores(scores, s3, count, p, querySum(q, q3), attnScale);
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
     * (see {@link Bf16KvCache#accumulateValues1}), with weight × scale folded once per block.
     * Every element still adds the slots in order.
     */
    @Override
    protected void accumulateValues1(long sec, int count, float[] weights, int weightsOff, float[] acc, int accOff) {
        float[] p = decodeParams(sec, count);
        int cw = scaledWeightsRow(0);
        scaleWeights(weights, weightsOff, count, p, cw);
        int lanes = F.length();
        int vec = vectorBound();
        int d = 0;
        for (; d + 4 * lanes <= vec; d += 4 * lanes) {
            FloatVector a0 = FloatVector.fromArray(F, acc, accOff + d);
            FloatVector a1 = FloatVector.fromArray(F, acc, accOff + d + lanes);
            FloatVector a2 = FloatVector.fromArray(F, acc, accOff + d + 2 * lanes);
            FloatVector a3 = FloatVector.fromArray(F, acc, accOff + d + 3 * lanes);
            for (int s = 0; s < count; s++) {
                long r = row(sec, s) + d;
                FloatVector c = FloatVector.broadcast(F, p[cw + s]);
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
                a = codesAt(row(sec, s) + d).fma(FloatVector.broadcast(F, p[cw + s]), a);
            }
            a.intoArray(acc, accOff + d);
        }
        finishValues(sec, count, d, p, cw, acc, accOff);
    }

    /**
     * Four query heads of a GQA group: two vectors of each head's accumulator at a time stay in
     * registers across the block's slots, and each value row is widened once for all four.
     * Every element adds the slots in the order {@link #accumulateValues1} does.
     */
    @Override
    protected void accumulateValues4(long sec, int count, float[] weights, int weightsOff, int stride, float[] acc,
                                     int accOff) {
        float[] p = decodeParams(sec, count);
        int w0 = scaledWeightsRow(0);
        int w1 = scaledWeightsRow(1);
        int w2 = scaledWeightsRow(2);
        int w3 = scaledWeightsRow(3);
        scaleWeights(weights, weightsOff, count, p, w0);
        scaleWeights(weights, weightsOff + stride, count, p, w1);
        scaleWeights(weights, weightsOff + 2 * stride, count, p, w2);
        scaleWeights(weights, weightsOff + 3 * stride, count, p, w3);
        int lanes = F.length();
        int vec = vectorBound();
        int c1 = accOff + headDim;
        int c2 = c1 + headDim;
        int c3 = c2 + headDim;
        int d = 0;
        for (; d + 2 * lanes <= vec; d += 2 * lanes) {
            FloatVector a0 = FloatVector.fromArray(F, acc, accOff + d), b0 = FloatVector.fromArray(F, acc, accOff + d + lanes);
            FloatVector a1 = FloatVector.fromArray(F, acc, c1 + d), b1 = FloatVector.fromArray(F, acc, c1 + d + lanes);
            FloatVector a2 = FloatVector.fromArray(F, acc, c2 + d), b2 = FloatVector.fromArray(F, acc, c2 + d + lanes);
            FloatVector a3 = FloatVector.fromArray(F, acc, c3 + d), b3 = FloatVector.fromArray(F, acc, c3 + d + lanes);
            for (int s = 0; s < count; s++) {
                long r = row(sec, s) + d;
                FloatVector x = codesAt(r);
                FloatVector y = codesAt(r + lanes);
                FloatVector c = FloatVector.broadcast(F, p[w0 + s]);
                a0 = x.fma(c, a0);
                b0 = y.fma(c, b0);
                c = FloatVector.broadcast(F, p[w1 + s]);
                a1 = x.fma(c, a1);
                b1 = y.fma(c, b1);
                c = FloatVector.broadcast(F, p[w2 + s]);
                a2 = x.fma(c, a2);
                b2 = y.fma(c, b2);
                c = FloatVector.broadcast(F, p[w3 + s]);
                a3 = x.fma(c, a3);
                b3 = y.fma(c, b3);
            }
            a0.intoArray(acc, accOff + d);
            b0.intoArray(acc, accOff + d + lanes);
            a1.intoArray(acc, c1 + d);
            b1.intoArray(acc, c1 + d + lanes);
            a2.intoArray(acc, c2 + d);
            b2.intoArray(acc, c2 + d + lanes);
            a3.intoArray(acc, c3 + d);
            b3.intoArray(acc, c3 + d + lanes);
        }
        for (; d < vec; d += lanes) {
            FloatVector a0 = FloatVector.fromArray(F, acc, accOff + d);
            FloatVector a1 = FloatVector.fromArray(F, acc, c1 + d);
            FloatVector a2 = FloatVector.fromArray(F, acc, c2 + d);
            FloatVector a3 = FloatVector.fromArray(F, acc, c3 + d);
            for (int s = 0; s < count; s++) {
                FloatVector x = codesAt(row(sec, s) + d);
                a0 = x.fma(FloatVector.broadcast(F, p[w0 + s]), a0);
                a1 = x.fma(FloatVector.broadcast(F, p[w1 + s]), a1);
                a2 = x.fma(FloatVector.broadcast(F, p[w2 + s]), a2);
                a3 = x.fma(FloatVector.broadcast(F, p[w3 + s]), a3);
            }
            a0.intoArray(acc, accOff + d);
            a1.intoArray(acc, c1 + d);
            a2.intoArray(acc, c2 + d);
            a3.intoArray(acc, c3 + d);
        }
        finishValues(sec, count, d, p, w0, acc, accOff);
        finishValues(sec, count, d, p, w1, acc, c1);
        finishValues(sec, count, d, p, w2, acc, c2);
        finishValues(sec, count, d, p, w3, acc, c3);
    }

    /**
     * The value sums of columns [from, headDim), past the vector loops, then the zero points'
     * share removed from every column; cw is the head's row of scaled weights in p.
     */
    private void finishValues(long sec, int count, int from, float[] p, int cw, float[] acc, int accOff) {
        for (int d = from; d < headDim; d++) {
            float v = acc[accOff + d];
            for (int s = 0; s < count; s++) {
                v += p[cw + s] * pool.get(BYTE, row(sec, s) + d);
            }
            acc[accOff + d] = v;
        }
        subtractZeroShare(acc, accOff, zeroShare(p, cw, count));
    }
}
