package dev.turbo4j.core.kvcache;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.ValueLayout;

/**
 * What the int8 and int4 KV formats share: per row an f16 scale and a one-byte zero point
 * after the rows of a section, x = (code − zero) · scale, and attention with the zero point
 * folded out of the inner loops — q·k = scale · (q·code − zero · Σq), and value sums
 * subtract zero · Σ(weight · scale) once per call.
 */
abstract sealed class QuantizedKvCache extends PagedKvCache permits Int8KvCache, Int4KvCache {
    protected static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    protected static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** Bytes with as many lanes as F has floats; none below 256-bit vectors (no 32-bit shape). */
    protected static final VectorSpecies<Byte> B = F.vectorBitSize() >= 256
            ? ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;

    /** Codes of the row being stored (rows are written one at a time per cache). */
    protected final int[] codes;
    private final int levels;
    private final int storedZeroOffset;

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
    }

    @Override
    protected final synchronized void store(long section, int slot, float[] src, int off) {
        int packed = RowQuantizer.quantize(src, off, headDim, levels, codes);
        storeCodes(row(section, slot));
        long p = params(section, slot);
        pool.set(SHORT, p, (short) packed);
        pool.set(BYTE, p + 2, (byte) ((packed >>> 16) - storedZeroOffset));
    }

    /** Writes {@link #codes} into the row at byte offset {@code row}. */
    protected abstract void storeCodes(long row);

    protected final float scale(long params) {
        return Float.float16ToFloat(pool.get(SHORT, params));
    }

    protected final int zero(long params) {
        return pool.get(BYTE, params + 2);
    }

    /** Σ q[qOff .. qOff + headDim), the factor the zero points multiply in key scores. */
    protected final float querySum(float[] q, int qOff) {
        float sum = 0f;
        for (int d = 0; d < headDim; d++) {
            sum += q[qOff + d];
        }
        return sum;
    }

    /** Score of a row whose code dot product with q is {@code codeDot}. */
    protected final float score(long params, float codeDot, float querySum, float attnScale) {
        return scale(params) * (codeDot - zero(params) * querySum) * attnScale;
    }

    /** Removes the zero points' share, Σ weight · scale · zero, from every accumulated value. */
    protected final void subtractZeroShare(float[] acc, int accOff, float share) {
        for (int d = 0; d < headDim; d++) {
            acc[accOff + d] -= share;
        }
    }
}
