package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** SIMD kernel for F32 weights, read straight from the segment in natural column order. */
final class F32DenseKernel extends SimdDenseKernel {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final int L = SimdSpecies.FLOAT_LANES;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT_ELEMENT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    F32DenseKernel() {
        super(DType.F32);
    }

    /**
     * F32 rows need no widening for the narrow tile to amortise, and at 12-16 tokens it
     * measured no faster than this GEMV (4864 x 896 from DRAM), so only the wide tile is used.
     */
    @Override
    int gemmMinTokens() {
        return PanelGemm.MIN_TOKENS;
    }

    @Override
    int vectorColumns(int cols) {
        return F.loopBound(cols);
    }

    @Override
    float[] kernelActivations(float[] x, int tokens, int cols, int n) {
        return x;
    }

    @Override
    void rows4Token1(MemorySegment w, int cols, int row0, int step, int rowCount, int n, float[] xk, int xOff, float[] y,
                     int yOff) {
        int last = rowCount - 1;
        long rowBytes = (long) cols * Float.BYTES;
        long w0 = row0 * rowBytes;
        long w1 = (row0 + Math.min(1, last) * step) * rowBytes;
        long w2 = (row0 + Math.min(2, last) * step) * rowBytes;
        long w3 = (row0 + Math.min(3, last) * step) * rowBytes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int c = 0; c < n; c += L) {
            FloatVector xv = FloatVector.fromArray(F, xk, xOff + c);
            long b = (long) c * Float.BYTES;
            a0 = FloatVector.fromMemorySegment(F, w, w0 + b, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, w1 + b, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, w2 + b, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, w3 + b, LE).fma(xv, a3);
        }
        float[] lanes = KernelScratch.current().accumulatorLanes();
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, L);
        a2.intoArray(lanes, 2 * L);
        a3.intoArray(lanes, 3 * L);
        storeRowSums(lanes, 0, y, yOff, step, last);
    }

    @Override
    boolean pairOrder() {
        return false;
    }

    @Override
    void packRows(MemorySegment w, int cols, int row0, int rowCount, int k0, int kc, float[] panel, int stride) {
        int vectorEnd = F.loopBound(kc);
        for (int i = 0; i < rowCount; i++) {
            long src = (long) (row0 + i) * cols + k0;
            int dst = i * stride;
            int c = 0;
            for (; c < vectorEnd; c += L) {
                FloatVector.fromMemorySegment(F, w, (src + c) * Float.BYTES, LE).intoArray(panel, dst + c);
            }
            for (; c < kc; c++) {
                panel[dst + c] = w.getAtIndex(FLOAT_ELEMENT, src + c);
            }
        }
    }
}
