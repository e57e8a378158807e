package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * SIMD kernel for BF16 weights. A BF16 value is the upper half of an F32, so widening a
 * pair is one shift (even column) and one mask (odd column).
 *
 * <p>The GEMV loop has the shape of {@link F16DenseKernel}'s but is a copy: a loop
 * shared through a virtual widening call would see two receiver types, and C2 would no
 * longer keep its vectors in registers.
 */
final class Bf16DenseKernel extends HalfDenseKernel {
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final int L = SimdSpecies.FLOAT_LANES;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort SHORT_ELEMENT = ValueLayout.JAVA_SHORT_UNALIGNED;

    Bf16DenseKernel() {
        super(DType.BF16);
    }

    /** Four-token tiles need 28 vector registers: AVX-512 has 32, AVX2 16. */
    @Override
    boolean fourTokenTiles() {
        return SimdSpecies.bits() >= 512;
    }

    /**
     * With four-token tiles the GEMV path stays ahead of the narrow GEMM tile up to 15 tokens
     * (Qwen2.5-0.5B shapes, 2 threads, weights from DRAM: 4864 x 896 at 12 tokens 0.84 ms
     * against 1.12-1.20 ms); at 16 they are even on K = 896 and the GEMM tile wins on K = 4864.
     * With its activations cache-line aligned ({@link ArrayAlignment}) the GEMV path wins up to
     * about 28 tokens on AMD's AVX-512 (4864 x 896 at 16 tokens 0.91 against 1.18 ms, at 24 1.23
     * against 1.77 ms), but on Intel's only up to 15 (Xeon with AMX, 4864 x 896 at 16 tokens
     * 1.62-1.73 against 1.27-1.36 ms; at 12 the GEMV path still wins, 1.00 against 1.18-1.20 ms
     * on 896 x 4864), where the GEMM tile from 16 made 16-sequence decoding 12% faster. With the
     * tiles' sums no longer boxed (see {@link VectorOps#sumLanes(float[], int)}) the GEMV path
     * at 16 tokens came even on that Xeon (1.08 and 1.11 ms against 1.23 and 1.04), and 16
     * sequences decoded no faster with it, so the threshold stayed. The six-token tile made the
     * GEMV path at 16 tokens faster again in JMH (0.93 against 1.09 ms on 4864 x 896, 0.99
     * against 1.03 on 896 x 4864), but 16 sequences still decoded no faster end to end (Qwen2.5-0.5B,
     * c16, four alternated runs within noise), so it stays.
     */
    private static final int GEMM_MIN_TOKENS =
            ArrayAlignment.FLOAT_START > 0 && CpuVendor.CURRENT != CpuVendor.INTEL ? 28 : 16;

    @Override
    int gemmMinTokens() {
        return fourTokenTiles() ? GEMM_MIN_TOKENS : super.gemmMinTokens();
    }

    /** The even-column (low) halves of each pair, as floats. */
    static FloatVector evens(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The odd-column (high) halves of each pair, as floats. */
    static FloatVector odds(IntVector pairs) {
        return pairs.and(0xFFFF0000).reinterpretAsFloats();
    }

    @Override
    void rows4Token1(MemorySegment w, int cols, int row0, int step, int rowCount, int n, float[] xk, int xOff, float[] y,
                     int yOff) {
        int last = rowCount - 1;
        long rowBytes = (long) cols * Short.BYTES;
        long w0 = row0 * rowBytes;
        long w1 = (row0 + Math.min(1, last) * step) * rowBytes;
        long w2 = (row0 + Math.min(2, last) * step) * rowBytes;
        long w3 = (row0 + Math.min(3, last) * step) * rowBytes;
        int half = n / 2;
        // Separate even and odd accumulators: 8 independent FMA chains per step.
        FloatVector e0 = FloatVector.zero(F), e1 = FloatVector.zero(F), e2 = FloatVector.zero(F), e3 = FloatVector.zero(F);
        FloatVector o0 = FloatVector.zero(F), o1 = FloatVector.zero(F), o2 = FloatVector.zero(F), o3 = FloatVector.zero(F);
        for (int k = 0; k < half; k += I.length()) {
            FloatVector xe = FloatVector.fromArray(F, xk, xOff + k);
            FloatVector xo = FloatVector.fromArray(F, xk, xOff + half + k);
            long b = (long) k * Integer.BYTES;
            IntVector p0 = IntVector.fromMemorySegment(I, w, w0 + b, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, w, w1 + b, LE);
            IntVector p2 = IntVector.fromMemorySegment(I, w, w2 + b, LE);
            IntVector p3 = IntVector.fromMemorySegment(I, w, w3 + b, LE);
            e0 = evens(p0).fma(xe, e0);
            o0 = odds(p0).fma(xo, o0);
            e1 = evens(p1).fma(xe, e1);
            o1 = odds(p1).fma(xo, o1);
            e2 = evens(p2).fma(xe, e2);
            o2 = odds(p2).fma(xo, o2);
            e3 = evens(p3).fma(xe, e3);
            o3 = odds(p3).fma(xo, o3);
        }
        float[] lanes = KernelScratch.current().accumulatorLanes();
        e0.add(o0).intoArray(lanes, 0);
        e1.add(o1).intoArray(lanes, L);
        e2.add(o2).intoArray(lanes, 2 * L);
        e3.add(o3).intoArray(lanes, 3 * L);
        storeRowSums(lanes, 0, y, yOff, step, last);
    }

    /** Widens each weight vector once for both tokens: 16 accumulators, 4 weight loads per 16 FMAs. */
    @Override
    void rows4Tokens2(MemorySegment w, int cols, int row0, int step, int rowCount, int n, float[] xk, int xOff,
                      int xStride, float[] y, int yOff, int yStride) {
        int last = rowCount - 1;
        long rowBytes = (long) cols * Short.BYTES;
        long w0 = row0 * rowBytes;
        long w1 = (row0 + Math.min(1, last) * step) * rowBytes;
        long w2 = (row0 + Math.min(2, last) * step) * rowBytes;
        long w3 = (row0 + Math.min(3, last) * step) * rowBytes;
        int half = n / 2;
        int xOff2 = xOff + xStride;
        FloatVector e0 = FloatVector.zero(F), e1 = FloatVector.zero(F), e2 = FloatVector.zero(F), e3 = FloatVector.zero(F);
        FloatVector o0 = FloatVector.zero(F), o1 = FloatVector.zero(F), o2 = FloatVector.zero(F), o3 = FloatVector.zero(F);
        FloatVector f0 = FloatVector.zero(F), f1 = FloatVector.zero(F), f2 = FloatVector.zero(F), f3 = FloatVector.zero(F);
        FloatVector p0 = FloatVector.zero(F), p1 = FloatVector.zero(F), p2 = FloatVector.zero(F), p3 = FloatVector.zero(F);
        for (int k = 0; k < half; k += I.length()) {
            long b = (long) k * Integer.BYTES;
            FloatVector xe = FloatVector.fromArray(F, xk, xOff + k);
            FloatVector xo = FloatVector.fromArray(F, xk, xOff + half + k);
            FloatVector ye = FloatVector.fromArray(F, xk, xOff2 + k);
            FloatVector yo = FloatVector.fromArray(F, xk, xOff2 + half + k);
            IntVector q0 = IntVector.fromMemorySegment(I, w, w0 + b, LE);
            FloatVector we = evens(q0), wo = odds(q0);
            e0 = we.fma(xe, e0);
            o0 = wo.fma(xo, o0);
            f0 = we.fma(ye, f0);
            p0 = wo.fma(yo, p0);
            IntVector q1 = IntVector.fromMemorySegment(I, w, w1 + b, LE);
            we = evens(q1);
            wo = odds(q1);
            e1 = we.fma(xe, e1);
            o1 = wo.fma(xo, o1);
            f1 = we.fma(ye, f1);
            p1 = wo.fma(yo, p1);
            IntVector q2 = IntVector.fromMemorySegment(I, w, w2 + b, LE);
            we = evens(q2);
            wo = odds(q2);
            e2 = we.fma(xe, e2);
            o2 = wo.fma(xo, o2);
            f2 = we.fma(ye, f2);
            p2 = wo.fma(yo, p2);
            IntVector q3 = IntVector.fromMemorySegment(I, w, w3 + b, LE);
            we = evens(q3);
            wo = odds(q3);
            e3 = we.fma(xe, e3);
            o3 = wo.fma(xo, o3);
            f3 = we.fma(ye, f3);
            p3 = wo.fma(yo, p3);
        }
        float[] lanes = KernelScratch.current().accumulatorLanes();
        e0.add(o0).intoArray(lanes, 0);
        e1.add(o1).intoArray(lanes, L);
        e2.add(o2).intoArray(lanes, 2 * L);
        e3.add(o3).intoArray(lanes, 3 * L);
        f0.add(p0).intoArray(lanes, 4 * L);
        f1.add(p1).intoArray(lanes, 5 * L);
        f2.add(p2).intoArray(lanes, 6 * L);
        f3.add(p3).intoArray(lanes, 7 * L);
        storeRowSums(lanes, 0, y, yOff, step, last);
        storeRowSums(lanes, 4 * L, y, yOff + yStride, step, last);
    }

    /**
     * Widens each weight vector once for four tokens: 16 accumulators (even and odd columns
     * apart, as in {@link #rows4Token1}), 4 widenings per 16 FMAs where the two-token tile
     * spends 8.
     */
    @Override
    void rows2Tokens4(MemorySegment w, int cols, int rowA, int rowB, int n, float[] xk, int xOff, int xStride,
                      float[] y, int yA, int yB, int yStride) {
        long rowBytes = (long) cols * Short.BYTES;
        long wa = rowA * rowBytes;
        long wb = rowB * rowBytes;
        int half = n / 2;
        int x1 = xOff + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        FloatVector ae0, ao0, ae1, ao1, ae2, ao2, ae3, ao3;
        FloatVector be0, bo0, be1, bo1, be2, bo2, be3, bo3;
        ae0 = ao0 = ae1 = ao1 = ae2 = ao2 = ae3 = ao3 = be0 = bo0 = be1 = bo1 = be2 = bo2 = be3 = bo3 = FloatVector.zero(F);
        for (int k = 0; k < half; k += I.length()) {
            long b = (long) k * Integer.BYTES;
            FloatVector e0 = FloatVector.fromArray(F, xk, xOff + k);
            FloatVector o0 = FloatVector.fromArray(F, xk, xOff + half + k);
            FloatVector e1 = FloatVector.fromArray(F, xk, x1 + k);
            FloatVector o1 = FloatVector.fromArray(F, xk, x1 + half + k);
            FloatVector e2 = FloatVector.fromArray(F, xk, x2 + k);
            FloatVector o2 = FloatVector.fromArray(F, xk, x2 + half + k);
            FloatVector e3 = FloatVector.fromArray(F, xk, x3 + k);
            FloatVector o3 = FloatVector.fromArray(F, xk, x3 + half + k);
            IntVector qa = IntVector.fromMemorySegment(I, w, wa + b, LE);
            FloatVector wea = evens(qa), woa = odds(qa);
            ae0 = wea.fma(e0, ae0);
            ao0 = woa.fma(o0, ao0);
            ae1 = wea.fma(e1, ae1);
            ao1 = woa.fma(o1, ao1);
            ae2 = wea.fma(e2, ae2);
            ao2 = woa.fma(o2, ao2);
            ae3 = wea.fma(e3, ae3);
            ao3 = woa.fma(o3, ao3);
            IntVector qb = IntVector.fromMemorySegment(I, w, wb + b, LE);
            FloatVector web = evens(qb), wob = odds(qb);
            be0 = web.fma(e0, be0);
            bo0 = wob.fma(o0, bo0);
            be1 = web.fma(e1, be1);
            bo1 = wob.fma(o1, bo1);
            be2 = web.fma(e2, be2);
            bo2 = wob.fma(o2, bo2);
            be3 = web.fma(e3, be3);
            bo3 = wob.fma(o3, bo3);
        }
        float[] lanes = KernelScratch.current().accumulatorLanes();
        ae0.add(ao0).intoArray(lanes, 0);
        ae1.add(ao1).intoArray(lanes, L);
        ae2.add(ao2).intoArray(lanes, 2 * L);
        ae3.add(ao3).intoArray(lanes, 3 * L);
        be0.add(bo0).intoArray(lanes, 4 * L);
        be1.add(bo1).intoArray(lanes, 5 * L);
        be2.add(bo2).intoArray(lanes, 6 * L);
        be3.add(bo3).intoArray(lanes, 7 * L);
        for (int j = 0; j < 4; j++) {
            y[yA + j * yStride] = VectorOps.sumLanes(lanes, j * L);
            y[yB + j * yStride] = VectorOps.sumLanes(lanes, (4 + j) * L);
        }
    }

    /** Six-token tiles need 24 accumulators and 4 widened weights: AVX-512's 32 registers. */
    @Override
    boolean sixTokenTiles() {
        return SimdSpecies.bits() >= 512;
    }

    /**
     * Widens each weight vector once for six tokens: 24 accumulators (even and odd columns
     * apart, as in {@link #rows4Token1}), 4 widenings per 24 FMAs. With 512-bit vectors the
     * widening shares ports 0 and 5 with the FMAs, so this is what bounds a tile from cache:
     * the four-token tile spends 4 per 16. Its activations come interleaved by token group, so
     * the loop holds one activation pointer rather than one per token and spills none.
     */
    @Override
    void rows2Tokens6(MemorySegment w, int cols, int rowA, int rowB, int n, float[] groups, int xg, float[] y,
                      int yA, int yB, int yStride) {
        long rowBytes = (long) cols * Short.BYTES;
        long wa = rowA * rowBytes;
        long wb = rowB * rowBytes;
        int half = n / 2;
        FloatVector ae0, ao0, ae1, ao1, ae2, ao2, ae3, ao3, ae4, ao4, ae5, ao5;
        FloatVector be0, bo0, be1, bo1, be2, bo2, be3, bo3, be4, bo4, be5, bo5;
        ae0 = ao0 = ae1 = ao1 = ae2 = ao2 = ae3 = ao3 = ae4 = ao4 = ae5 = ao5 = FloatVector.zero(F);
        be0 = bo0 = be1 = bo1 = be2 = bo2 = be3 = bo3 = be4 = bo4 = be5 = bo5 = FloatVector.zero(F);
        for (int k = 0, x = xg; k < half; k += L, x += 2 * GROUP_TOKENS * L) {
            long b = (long) k * Integer.BYTES;
            IntVector qa = IntVector.fromMemorySegment(I, w, wa + b, LE);
            IntVector qb = IntVector.fromMemorySegment(I, w, wb + b, LE);
            FloatVector wea = evens(qa), woa = odds(qa), web = evens(qb), wob = odds(qb);
            FloatVector v = FloatVector.fromArray(F, groups, x);
            ae0 = wea.fma(v, ae0);
            be0 = web.fma(v, be0);
            v = FloatVector.fromArray(F, groups, x + L);
            ao0 = woa.fma(v, ao0);
            bo0 = wob.fma(v, bo0);
            v = FloatVector.fromArray(F, groups, x + 2 * L);
            ae1 = wea.fma(v, ae1);
            be1 = web.fma(v, be1);
            v = FloatVector.fromArray(F, groups, x + 3 * L);
            ao1 = woa.fma(v, ao1);
            bo1 = wob.fma(v, bo1);
            v = FloatVector.fromArray(F, groups, x + 4 * L);
            ae2 = wea.fma(v, ae2);
            be2 = web.fma(v, be2);
            v = FloatVector.fromArray(F, groups, x + 5 * L);
            ao2 = woa.fma(v, ao2);
            bo2 = wob.fma(v, bo2);
            v = FloatVector.fromArray(F, groups, x + 6 * L);
            ae3 = wea.fma(v, ae3);
            be3 = web.fma(v, be3);
            v = FloatVector.fromArray(F, groups, x + 7 * L);
            ao3 = woa.fma(v, ao3);
            bo3 = wob.fma(v, bo3);
            v = FloatVector.fromArray(F, groups, x + 8 * L);
            ae4 = wea.fma(v, ae4);
            be4 = web.fma(v, be4);
            v = FloatVector.fromArray(F, groups, x + 9 * L);
            ao4 = woa.fma(v, ao4);
            bo4 = wob.fma(v, bo4);
            v = FloatVector.fromArray(F, groups, x + 10 * L);
            ae5 = wea.fma(v, ae5);
            be5 = web.fma(v, be5);
            v = FloatVector.fromArray(F, groups, x + 11 * L);
            ao5 = woa.fma(v, ao5);
            bo5 = wob.fma(v, bo5);
        }
        float[] lanes = KernelScratch.current().accumulatorLanes();
        ae0.add(ao0).intoArray(lanes, 0);
        ae1.add(ao1).intoArray(lanes, L);
        ae2.add(ao2).intoArray(lanes, 2 * L);
        ae3.add(ao3).intoArray(lanes, 3 * L);
        ae4.add(ao4).intoArray(lanes, 4 * L);
        ae5.add(ao5).intoArray(lanes, 5 * L);
        be0.add(bo0).intoArray(lanes, 6 * L);
        be1.add(bo1).intoArray(lanes, 7 * L);
        be2.add(bo2).intoArray(lanes, 8 * L);
        be3.add(bo3).intoArray(lanes, 9 * L);
        be4.add(bo4).intoArray(lanes, 10 * L);
        be5.add(bo5).intoArray(lanes, 11 * L);
        for (int j = 0; j < GROUP_TOKENS; j++) {
            y[yA + j * yStride] = VectorOps.sumLanes(lanes, j * L);
            y[yB + j * yStride] = VectorOps.sumLanes(lanes, (GROUP_TOKENS + j) * L);
        }
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
                panel[dst + c] = Float.intBitsToFloat(w.getAtIndex(SHORT_ELEMENT, src + c) << 16);
            }
        }
    }
}
