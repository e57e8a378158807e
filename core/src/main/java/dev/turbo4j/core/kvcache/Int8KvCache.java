package dev.turbo4j.core.kvcache;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.ValueLayout;

/**
 * KV blocks in int8 (quant_policy 8): a signed byte per element (code − 128) and per row an
 * f16 scale and a zero point, so x = (b − z) · scale. Attention folds the zero point out of
 * the loops: q·k = scale · (q·b − z · Σq), and value sums subtract z · Σ(weight · scale) once.
 */
public final class Int8KvCache extends PagedKvCache {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** Bytes with as many lanes as F has floats; none below 256-bit vectors (no 32-bit shape). */
    private static final VectorSpecies<Byte> B = F.vectorBitSize() >= 256
            ? ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;

    private final int[] codes;

    Int8KvCache(KvCacheSpec spec) {
        super(spec);
        this.codes = new int[spec.headDim()];
    }

    @Override
    protected synchronized void store(long section, int slot, float[] src, int off) {
        int packed = RowQuantizer.quantize(src, off, headDim, 256, codes);
        long r = row(section, slot);
        for (int d = 0; d < headDim; d++) {
            pool.set(BYTE, r + d, (byte) (codes[d] - 128));
        }
        long p = params(section, slot);
        pool.set(SHORT, p, (short) packed);
        pool.set(BYTE, p + 2, (byte) ((packed >>> 16) - 128));
    }

    private float scale(long p) {
        return Float.float16ToFloat(pool.get(SHORT, p));
    }

    private int zero(long p) {
        return pool.get(BYTE, p + 2);
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

    @Override
    public void keyScores(int layer, int block, int kvHead, int count, float[] q, int qOff, float attnScale, float[] scores) {
        long sec = section(block, layer, KEY, kvHead);
        float qSum = 0f;
        for (int d = 0; d < headDim; d++) {
            qSum += q[qOff + d];
        }
        int vec = vectorBound();
        for (int s = 0; s < count; s++) {
            long r = row(sec, s);
            float dot = 0f;
            int d = 0;
            if (vec > 0) {
                FloatVector acc = FloatVector.zero(F);
                for (; d < vec; d += F.length()) {
                    FloatVector k = (FloatVector) ByteVector.fromMemorySegment(B, pool, r + d, java.nio.ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, F, 0);
                    acc = k.fma(FloatVector.fromArray(F, q, qOff + d), acc);
                }
                dot = sum(acc);
            }
            for (; d < headDim; d++) {
                dot += q[qOff + d] * pool.get(BYTE, r + d);
            }
            long p = params(sec, s);
            scores[s] = scale(p) * (dot - zero(p) * qSum) * attnScale;
        }
    }

    @Override
    public void accumulateValues(int layer, int block, int kvHead, int count, float[] weights, float[] acc, int accOff) {
        long sec = section(block, layer, VALUE, kvHead);
        int vec = vectorBound();
        float correction = 0f;
        for (int s = 0; s < count; s++) {
            long r = row(sec, s);
            long p = params(sec, s);
            float c = weights[s] * scale(p);
            FloatVector cv = FloatVector.broadcast(F, c);
            correction += c * zero(p);
            int d = 0;
            for (; d < vec; d += F.length()) {
                FloatVector v = (FloatVector) ByteVector.fromMemorySegment(B, pool, r + d, java.nio.ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F, 0);
                v.fma(cv, FloatVector.fromArray(F, acc, accOff + d)).intoArray(acc, accOff + d);
            }
            for (; d < headDim; d++) {
                acc[accOff + d] += c * pool.get(BYTE, r + d);
            }
        }
        for (int d = 0; d < headDim; d++) {
            acc[accOff + d] -= correction;
        }
    }
}
