package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * SIMD kernel for F16 (IEEE half) weights. The JDK 25 Vector API has no half-to-float
 * conversion, so the widening is integer bit manipulation that is exact for every half,
 * subnormals, infinities and NaNs included.
 *
 * <p>The GEMV loop has the shape of {@link Bf16DenseKernel}'s but is a copy: a loop
 * shared through a virtual widening call would see two receiver types, and C2 would no
 * longer keep its vectors in registers.
 */
final class F16DenseKernel extends HalfDenseKernel {
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort SHORT_ELEMENT = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** 2^(127 - 15): rebiases a half's exponent, read in place as an F32's, to F32's bias. */
    private static final float EXPONENT_REBIAS = 0x1p112f;
    /** After an arithmetic shift right by 3: the sign (bit 31), exponent and mantissa (13..27). */
    private static final int SIGN_AND_MAGNITUDE = 0x8FFFE000;
    /** A half's exponent field all ones (infinity, NaN), once the sign is shifted out. */
    private static final int SHIFTED_OUT_SIGN_INFINITY = 0xF8000000;
    private static final int F32_EXPONENT = 0x7F800000;

    F16DenseKernel() {
        super(DType.F16);
    }

    /** The even-column (low) halves of each pair, as floats. */
    static FloatVector evens(IntVector pairs) {
        return highHalfToFloat(pairs.lanewise(VectorOperators.LSHL, 16));
    }

    /** The odd-column (high) halves of each pair, as floats. */
    static FloatVector odds(IntVector pairs) {
        return highHalfToFloat(pairs);
    }

    /**
     * Widens the half in bits 16..31 of each lane (bits 0..15 are ignored). Its sign, exponent
     * and mantissa moved to the positions of an F32's (exponent and mantissa right by 3) form
     * an F32 of 2^-112 times the half's value, for normals and subnormals alike (a half
     * subnormal lands on an F32 subnormal); multiplying by 2^112 is then exact. Infinities and
     * NaNs get the all-ones exponent instead of the 143 the rebias gives them.
     */
    private static FloatVector highHalfToFloat(IntVector half) {
        FloatVector value = half.lanewise(VectorOperators.ASHR, 3).and(SIGN_AND_MAGNITUDE)
                .reinterpretAsFloats().mul(EXPONENT_REBIAS);
        VectorMask<Integer> special = half.lanewise(VectorOperators.LSHL, 1)
                .compare(VectorOperators.UGE, SHIFTED_OUT_SIGN_INFINITY);
        return value.reinterpretAsInts().lanewise(VectorOperators.OR, F32_EXPONENT, special).reinterpretAsFloats();
    }

    /**
     * Runs as two 2-row passes (each row is still read once): with four rows the widening
     * code of one loop body exceeds C2's inlining node budget, and un-inlined vector code is
     * boxed and 100x slower.
     */
    @Override
    void rows4Token1(MemorySegment w, int cols, int row0, int step, int rowCount, int n, float[] xk, int xOff, float[] y,
                     int yOff) {
        int last = rowCount - 1;
        int second = Math.min(1, last) * step;
        rows2Token1(w, cols, row0, row0 + second, n, xk, xOff, y, yOff, yOff + second);
        if (rowCount > 2) {
            rows2Token1(w, cols, row0 + 2 * step, row0 + last * step, n, xk, xOff, y, yOff + 2 * step, yOff + last * step);
        }
    }

    /** y[yA] = W[rowA, 0..n) · x, y[yB] = W[rowB, 0..n) · x, x in the split order. */
    private static void rows2Token1(MemorySegment w, int cols, int rowA, int rowB, int n, float[] xk, int xOff,
                                    float[] y, int yA, int yB) {
        long rowBytes = (long) cols * Short.BYTES;
        long wa = rowA * rowBytes;
        long wb = rowB * rowBytes;
        int half = n / 2;
        FloatVector ea = FloatVector.zero(F), oa = FloatVector.zero(F);
        FloatVector eb = FloatVector.zero(F), ob = FloatVector.zero(F);
        for (int k = 0; k < half; k += I.length()) {
            FloatVector xe = FloatVector.fromArray(F, xk, xOff + k);
            FloatVector xo = FloatVector.fromArray(F, xk, xOff + half + k);
            long b = (long) k * Integer.BYTES;
            IntVector pa = IntVector.fromMemorySegment(I, w, wa + b, LE);
            IntVector pb = IntVector.fromMemorySegment(I, w, wb + b, LE);
            ea = evens(pa).fma(xe, ea);
            oa = odds(pa).fma(xo, oa);
            eb = evens(pb).fma(xe, eb);
            ob = odds(pb).fma(xo, ob);
        }
        float[] lanes = KernelScratch.current().accumulatorLanes();
        ea.add(oa).intoArray(lanes, 0);
        eb.add(ob).intoArray(lanes, SimdSpecies.FLOAT_LANES);
        y[yA] = VectorOps.sumLanes(lanes, 0);
        y[yB] = VectorOps.sumLanes(lanes, SimdSpecies.FLOAT_LANES);
    }

    @Override
    void packRows(MemorySegment w, int cols, int row0, int rowCount, int k0, int kc, float[] panel, int stride) {
        int half = PanelGemm.pairedColumns(kc) / 2;
        for (int i = 0; i < rowCount; i++) {
            long src = (long) (row0 + i) * cols + k0;
            int dst = i * stride;
            for (int k = 0; k < half; k += I.length()) {
                IntVector pairs = IntVector.fromMemorySegment(I, w, (src + 2L * k) * Short.BYTES, LE);
                evens(pairs).intoArray(panel, dst + k);
                odds(pairs).intoArray(panel, dst + half + k);
            }
            for (int c = 2 * half; c < kc; c++) {
                panel[dst + c] = Float.float16ToFloat(w.getAtIndex(SHORT_ELEMENT, src + c));
            }
        }
    }
}
