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
    public void keyScores(int layer, int block, int kvHead, int count, float[] q, int qOff, float scale, float[] scores) {
        long base = section(block, layer, KEY, kvHead);
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
            scores[s] = dot(a0, r0, q, qOff, vec) * scale;
            scores[s + 1] = dot(a1, r1, q, qOff, vec) * scale;
            scores[s + 2] = dot(a2, r2, q, qOff, vec) * scale;
            scores[s + 3] = dot(a3, r3, q, qOff, vec) * scale;
        }
        for (; s < count; s++) {
            long r = row(base, s);
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0; d < vec; d += F.length()) {
                acc = load(r + 2L * d).fma(FloatVector.fromArray(F, q, qOff + d), acc);
            }
            scores[s] = dot(acc, r, q, qOff, vec) * scale;
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
    public void accumulateValues(int layer, int block, int kvHead, int count, float[] weights, float[] acc, int accOff) {
        long base = section(block, layer, VALUE, kvHead);
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
                FloatVector w = FloatVector.broadcast(F, weights[s]);
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
                a = load(row(base, s) + 2L * d).fma(FloatVector.broadcast(F, weights[s]), a);
            }
            a.intoArray(acc, accOff + d);
        }
        for (; d < headDim; d++) {
            float v = acc[accOff + d];
            for (int s = 0; s < count; s++) {
                v += weights[s] * Float16.bf16ToFloat(pool.get(SHORT, row(base, s) + 2L * d));
            }
            acc[accOff + d] = v;
        }
    }
}
