package dev.turbo4j.core.kvcache;

import dev.turbo4j.core.tensor.Float16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * KV blocks in bfloat16: half the memory of F32, rounded to nearest even on write. A BF16
 * value is the top half of an F32, so the loops widen a short vector to ints and shift.
 */
public final class Bf16KvCache extends PagedKvCache {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Shorts with as many lanes as F has floats. */
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());

    Bf16KvCache(KvCacheSpec spec) {
        super(spec);
    }

    @Override
    protected void store(long section, int slot, float[] src, int off) {
        long r = row(section, slot);
        for (int d = 0; d < headDim; d++) {
            pool.set(SHORT, r + 2L * d, Float16.floatToBf16(src[off + d]));
        }
    }

    @Override
    public void readRow(int block, int layer, int kind, int kvHead, int slot, float[] dst, int off) {
        long r = row(section(block, layer, kind, kvHead), slot);
        for (int d = 0; d < headDim; d++) {
            dst[off + d] = Float16.bf16ToFloat(pool.get(SHORT, r + 2L * d));
        }
    }

    private FloatVector load(long at) {
        ShortVector s = ShortVector.fromMemorySegment(S, pool, at, LE);
        return ((IntVector) s.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    /**
     * Four keys at a time: their four FMA chains run side by side instead of one after another
     * (each key's own sum is unchanged, so the scores are the same bits).
     */
    @Override
    protected void keyScores1(long base, int count, float[] q, int qOff, float scale, float[] scores, int scoresOff) {
        int vec = F.loopBound(headDim);
        int s = 0;
        for (; s + 4 <= count; s += 4) {
            long r0 = row(base, s);
            long r1 = row(base, s + 1);
            long r2 = row(base, s + 2);
            long r3 = row(base, s + 3);
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int d = 0; d < vec; d += F.length()) {
                FloatVector qv = FloatVector.fromArray(F, q, qOff + d);
                a0 = load(r0 + 2L * d).fma(qv, a0);
                a1 = load(r1 + 2L * d).fma(qv, a1);
                a2 = load(r2 + 2L * d).fma(qv, a2);
                a3 = load(r3 + 2L * d).fma(qv, a3);
            }
            scores[scoresOff + s] = dot(a0, r0, q, qOff, vec) * scale;
            scores[scoresOff + s + 1] = dot(a1, r1, q, qOff, vec) * scale;
            scores[scoresOff + s + 2] = dot(a2, r2, q, qOff, vec) * scale;
            scores[scoresOff + s + 3] = dot(a3, r3, q, qOff, vec) * scale;
        }
        for (; s < count; s++) {
            long r = row(base, s);
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0; d < vec; d += F.length()) {
                acc = load(r + 2L * d).fma(FloatVector.fromArray(F, q, qOff + d), acc);
            }
            scores[scoresOff + s] = dot(acc, r, q, qOff, vec) * scale;
        }
    }

    /**
     * Four query heads of a GQA group: each key is widened once and fed to all four heads'
     * FMA chains. Each head's sum is the one {@link #keyScores1} computes, in the same order.
     */
    @Override
    protected void keyScores4(long base, int count, float[] q, int qOff, float scale, float[] scores, int scoresOff,
                              int stride) {
        int vec = F.loopBound(headDim);
        int q1 = qOff + headDim;
        int q2 = q1 + headDim;
        int q3 = q2 + headDim;
        for (int s = 0; s < count; s++) {
            long r = row(base, s);
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int d = 0; d < vec; d += F.length()) {
                FloatVector k = load(r + 2L * d);
                a0 = k.fma(FloatVector.fromArray(F, q, qOff + d), a0);
                a1 = k.fma(FloatVector.fromArray(F, q, q1 + d), a1);
                a2 = k.fma(FloatVector.fromArray(F, q, q2 + d), a2);
                a3 = k.fma(FloatVector.fromArray(F, q, q3 + d), a3);
            }
            scores[scoresOff + s] = dot(a0, r, q, qOff, vec) * scale;
            scores[scoresOff + stride + s] = dot(a1, r, q, q1, vec) * scale;
            scores[scoresOff + 2 * stride + s] = dot(a2, r, q, q2, vec) * scale;
            scores[scoresOff + 3 * stride + s] = dot(a3, r, q, q3, vec) * scale;
        }
    }

    /** The lanes of acc summed, plus the columns from vec on (scalar). */
    private float dot(FloatVector acc, long r, float[] q, int qOff, int vec) {
        float dot = sum(acc);
        for (int d = vec; d < headDim; d++) {
            dot += q[qOff + d] * Float16.bf16ToFloat(pool.get(SHORT, r + 2L * d));
        }
        return dot;
    }

    /**
     * Up to four vectors of the head at a time, held in registers across all the block's slots:
     * each accumulator is loaded and stored once per block, and its FMA chain waits on nothing
     * else. Every element still adds the slots in order, so the result is the same bits.
     */
    @Override
    protected void accumulateValues1(long base, int count, float[] weights, int weightsOff, float[] acc, int accOff) {
        int lanes = F.length();
        int vec = F.loopBound(headDim);
        int d = 0;
        for (; d + 4 * lanes <= vec; d += 4 * lanes) {
            FloatVector a0 = FloatVector.fromArray(F, acc, accOff + d);
            FloatVector a1 = FloatVector.fromArray(F, acc, accOff + d + lanes);
            FloatVector a2 = FloatVector.fromArray(F, acc, accOff + d + 2 * lanes);
            FloatVector a3 = FloatVector.fromArray(F, acc, accOff + d + 3 * lanes);
            for (int s = 0; s < count; s++) {
                long r = row(base, s) + 2L * d;
                FloatVector w = FloatVector.broadcast(F, weights[weightsOff + s]);
                a0 = load(r).fma(w, a0);
                a1 = load(r + 2L * lanes).fma(w, a1);
                a2 = load(r + 4L * lanes).fma(w, a2);
                a3 = load(r + 6L * lanes).fma(w, a3);
            }
            a0.intoArray(acc, accOff + d);
            a1.intoArray(acc, accOff + d + lanes);
            a2.intoArray(acc, accOff + d + 2 * lanes);
            a3.intoArray(acc, accOff + d + 3 * lanes);
        }
        for (; d < vec; d += lanes) {
            FloatVector a = FloatVector.fromArray(F, acc, accOff + d);
            for (int s = 0; s < count; s++) {
                a = load(row(base, s) + 2L * d).fma(FloatVector.broadcast(F, weights[weightsOff + s]), a);
            }
            a.intoArray(acc, accOff + d);
        }
        scalarValueTail(base, count, d, weights, weightsOff, acc, accOff);
    }

    /** The value sums of columns [from, headDim), past the vector loops. */
    private void scalarValueTail(long base, int count, int from, float[] weights, int weightsOff, float[] acc,
                                 int accOff) {
        for (int d = from; d < headDim; d++) {
            float v = acc[accOff + d];
            for (int s = 0; s < count; s++) {
                v += weights[weightsOff + s] * Float16.bf16ToFloat(pool.get(SHORT, row(base, s) + 2L * d));
            }
            acc[accOff + d] = v;
        }
    }

    /**
     * Four query heads of a GQA group: two vectors of each head's accumulator at a time stay in
     * registers across the block's slots, and each value row is widened once for all four.
     * Every element adds the slots in the order {@link #accumulateValues1} does.
     */
    @Override
    protected void accumulateValues4(long base, int count, float[] weights, int weightsOff, int stride, float[] acc,
                                     int accOff) {
        int lanes = F.length();
        int vec = F.loopBound(headDim);
        int w1 = weightsOff + stride;
        int w2 = w1 + stride;
        int w3 = w2 + stride;
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
                long r = row(base, s) + 2L * d;
                FloatVector x = load(r);
                FloatVector y = load(r + 2L * lanes);
                FloatVector w = FloatVector.broadcast(F, weights[weightsOff + s]);
                a0 = x.fma(w, a0);
                b0 = y.fma(w, b0);
                w = FloatVector.broadcast(F, weights[w1 + s]);
                a1 = x.fma(w, a1);
                b1 = y.fma(w, b1);
                w = FloatVector.broadcast(F, weights[w2 + s]);
                a2 = x.fma(w, a2);
                b2 = y.fma(w, b2);
                w = FloatVector.broadcast(F, weights[w3 + s]);
                a3 = x.fma(w, a3);
                b3 = y.fma(w, b3);
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
                FloatVector x = load(row(base, s) + 2L * d);
                a0 = x.fma(FloatVector.broadcast(F, weights[weightsOff + s]), a0);
                a1 = x.fma(FloatVector.broadcast(F, weights[w1 + s]), a1);
                a2 = x.fma(FloatVector.broadcast(F, weights[w2 + s]), a2);
                a3 = x.fma(FloatVector.broadcast(F, weights[w3 + s]), a3);
            }
            a0.intoArray(acc, accOff + d);
            a1.intoArray(acc, c1 + d);
            a2.intoArray(acc, c2 + d);
            a3.intoArray(acc, c3 + d);
        }
        if (d < headDim) {
            for (int g = 0; g < 4; g++) {
                scalarValueTail(base, count, d, weights, weightsOff + g * stride, acc, accOff + g * headDim);
            }
        }
    }
}
