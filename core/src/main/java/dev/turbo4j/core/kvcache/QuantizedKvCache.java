package dev.turbo4j.core.kvcache;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.ValueLayout;

/**
 * What the int8 and int4 KV formats share: per row an f16 scale and a one-byte zero point,
 * before the rows of a section (all the scales, then all the zero points, so vectors read a
 * block's worth at once), x = (code − zero) · scale, and attention with the zero point
 * folded out of the inner loops — q·k = scale · (q·code − zero · Σq), and value sums
 * subtract zero · Σ(weight · scale) once per call.
 */
abstract sealed class QuantizedKvCache extends PagedKvCache permits Int8KvCache, Int4KvCache {
    protected static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    protected static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    protected static final java.nio.ByteOrder LE = java.nio.ByteOrder.LITTLE_ENDIAN;
    /** Bytes with as many lanes as F has floats; none below 256-bit vectors (no 32-bit shape). */
    protected static final VectorSpecies<Byte> B = F.vectorBitSize() >= 256
            ? ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;
    /** Shorts (f16 scales) with as many lanes as F has floats. */
    private static final VectorSpecies<Short> HALVES = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    /** 2^(127 − 15): turns an f16's bits moved into an f32's place into its value (normal or not). */
    private static final float F16_EXPONENT_BIAS_GAP = 0x1p112f;
    /** The first f16 bit pattern that is not a finite non-negative number (infinity). */
    private static final short F16_INFINITY = 0x7C00;

    /** Codes of the row being stored (rows are written one at a time per cache). */
    protected final int[] codes;
    private final int levels;
    private final int storedZeroOffset;
    private final ThreadLocal<float[]> scratch;

    /**
     * @param levels           2^bits
     * @param storedZeroOffset subtracted from the zero point when stored, so that the stored
     *                         signed byte is directly what the format's codes are compared with
     */
    protected QuantizedKvCache(KvCacheSpec spec, int levels, int storedZeroOffset) {
        super(spec);
        this.codes = new int[spec.headDim()];
        this.levels = levels;
        this.storedZeroOffset = storedZeroOffset;
        this.scratch = ThreadLocal.withInitial(() -> new float[6 * spec.blockSize()]);
    }

    @Override
    protected final synchronized void store(long section, int slot, float[] src, int off) {
        int packed = RowQuantizer.quantize(src, off, headDim, levels, codes);
        storeCodes(row(section, slot));
        pool.set(SHORT, scaleAt(section, slot), (short) packed);
        pool.set(BYTE, zeroAt(section, slot), (byte) ((packed >>> 16) - storedZeroOffset));
    }

    /** Byte offset of a slot's f16 scale: a section starts with its scales. */
    private long scaleAt(long section, int slot) {
        return section + 2L * slot;
    }

    /** Byte offset of a slot's zero point: the section's zero points follow its scales. */
    private long zeroAt(long section, int slot) {
        return section + 2L * spec.blockSize() + slot;
    }

    /** Writes {@link #codes} into the row at byte offset {@code row}. */
    protected abstract void storeCodes(long row);

    protected final float scale(long section, int slot) {
        return Float.float16ToFloat(pool.get(SHORT, scaleAt(section, slot)));
    }

    protected final int zero(long section, int slot) {
        return pool.get(BYTE, zeroAt(section, slot));
    }

    /** Σ q[qOff .. qOff + headDim), the factor the zero points multiply in key scores. */
    protected final float querySum(float[] q, int qOff) {
        // In vectors: a scalar chain of headDim dependent adds costs more than a block's keys.
        int vec = F.loopBound(headDim);
        FloatVector acc = FloatVector.zero(F);
        int d = 0;
        for (; d < vec; d += F.length()) {
            acc = acc.add(FloatVector.fromArray(F, q, qOff + d));
        }
        float sum = sum(acc);
        for (; d < headDim; d++) {
            sum += q[qOff + d];
        }
        return sum;
    }

    /** Score of a row whose code dot product with q is {@code codeDot}. */
    protected final float score(long section, int slot, float codeDot, float querySum, float attnScale) {
        return score(scale(section, slot), zero(section, slot), codeDot, querySum, attnScale);
    }

    /** Score of a row with the given scale and zero point whose code dot product with q is {@code codeDot}. */
    protected static float score(float scale, int zero, float codeDot, float querySum, float attnScale) {
        return scale * (codeDot - zero * querySum) * attnScale;
    }

    /**
     * The scales and zero points of a section's slots [0, count) as floats, in this thread's
     * scratch: scales at [0, count), zero points at [blockSize, blockSize + count). Decoding them
     * once per block lets the vector loops share them across the query heads of a group; the
     * scratch has room for four rows of scaled weights after them ({@link #scaledWeightsRow}).
     */
    protected final float[] decodeParams(long section, int count) {
        float[] p = scratch.get();
        int blockSize = spec.blockSize();
        int vec = B == null ? 0 : F.loopBound(count);
        int s = 0;
        for (; s < vec; s += F.length()) {
            ShortVector halves = ShortVector.fromMemorySegment(HALVES, pool, scaleAt(section, s), LE);
            if (halves.compare(VectorOperators.UGE, F16_INFINITY).anyTrue()) {
                break; // a row with infinities or NaNs: leave it to the scalar decode
            }
            ((IntVector) halves.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                    .reinterpretAsFloats().mul(F16_EXPONENT_BIAS_GAP).intoArray(p, s);
            ((FloatVector) ByteVector.fromMemorySegment(B, pool, zeroAt(section, s), LE)
                    .convertShape(VectorOperators.B2F, F, 0)).intoArray(p, blockSize + s);
        }
        for (; s < count; s++) {
            p[s] = scale(section, s);
            p[blockSize + s] = zero(section, s);
        }
        return p;
    }

    /** Where row g of scaled weights starts in the {@link #decodeParams} scratch. */
    protected final int scaledWeightsRow(int g) {
        return (2 + g) * spec.blockSize();
    }

    /** p[to + i] = weights[from + i] · scale[i]: the slots' value weights with the row scales folded in. */
    protected final void scaleWeights(float[] weights, int from, int count, float[] p, int to) {
        int vec = F.loopBound(count);
        int i = 0;
        for (; i < vec; i += F.length()) {
            FloatVector.fromArray(F, weights, from + i).mul(FloatVector.fromArray(F, p, i)).intoArray(p, to + i);
        }
        for (; i < count; i++) {
            p[to + i] = weights[from + i] * p[i];
        }
    }

    /** Σ cw[i] · zero[i] for scaled weights cw at p[from ..]: the zero points' share of a value sum. */
    protected final float zeroShare(float[] p, int from, int count) {
        int zeros = spec.blockSize();
        int vec = F.loopBound(count);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < vec; i += F.length()) {
            acc = FloatVector.fromArray(F, p, from + i).fma(FloatVector.fromArray(F, p, zeros + i), acc);
        }
        float share = sum(acc);
        for (; i < count; i++) {
            share += p[from + i] * p[zeros + i];
        }
        return share;
    }

    /**
     * Turns code dot products x[off + i] = q·code of slots [0, count) into scores,
     * scale · (q·code − zero · Σq) · attnScale, with the {@link #decodeParams} of the block.
     */
    protected final void codeDotsToScores(float[] x, int off, int count, float[] p, float querySum, float attnScale) {
        int zeros = spec.blockSize();
        int vec = F.loopBound(count);
        int i = 0;
        for (; i < vec; i += F.length()) {
            FloatVector dots = FloatVector.fromArray(F, x, off + i);
            FloatVector zeroShare = FloatVector.fromArray(F, p, zeros + i).mul(querySum);
            FloatVector.fromArray(F, p, i).mul(dots.sub(zeroShare)).mul(attnScale).intoArray(x, off + i);
        }
        for (; i < count; i++) {
            x[off + i] = p[i] * (x[off + i] - p[zeros + i] * querySum) * attnScale;
        }
    }

    /** Removes the zero points' share, Σ weight · scale · zero, from every accumulated value. */
    protected final void subtractZeroShare(float[] acc, int accOff, float share) {
        for (int d = 0; d < headDim; d++) {
            acc[accOff + d] -= share;
        }
    }
}
