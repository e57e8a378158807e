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

    @Override
    public void keyScores(int layer, int block, int kvHead, int count, float[] q, int qOff, float scale, float[] scores) {
        long base = section(block, layer, KEY, kvHead);
        int vec = F.loopBound(headDim);
        for (int s = 0; s < count; s++) {
            long r = row(base, s);
            FloatVector acc = FloatVector.zero(F);
            int d = 0;
            for (; d < vec; d += F.length()) {
                acc = load(r + 2L * d).fma(FloatVector.fromArray(F, q, qOff + d), acc);
            }
            float dot = sum(acc);
            for (; d < headDim; d++) {
                dot += q[qOff + d] * Float16.bf16ToFloat(pool.get(SHORT, r + 2L * d));
            }
            scores[s] = dot * scale;
        }
    }

    @Override
    public void accumulateValues(int layer, int block, int kvHead, int count, float[] weights, float[] acc, int accOff) {
        long base = section(block, layer, VALUE, kvHead);
        int vec = F.loopBound(headDim);
        for (int s = 0; s < count; s++) {
            long r = row(base, s);
            float w = weights[s];
            FloatVector wv = FloatVector.broadcast(F, w);
            int d = 0;
            for (; d < vec; d += F.length()) {
                load(r + 2L * d).fma(wv, FloatVector.fromArray(F, acc, accOff + d)).intoArray(acc, accOff + d);
            }
            for (; d < headDim; d++) {
                acc[accOff + d] += w * Float16.bf16ToFloat(pool.get(SHORT, r + 2L * d));
            }
        }
    }
}
