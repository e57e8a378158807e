package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Register-tiled dot products of F32 weight rows (in a segment) with F32 activations: the
 * inner loops of every dense kernel once weights are F32, whether stored so or widened.
 *
 * <p>A tile is 4 rows × 1 or 4 tokens with one accumulator per (row, token), so each weight
 * vector loaded is reused across the tile's tokens and each activation vector across its
 * rows. The tiles cover columns [0, n), n a multiple of the vector length; the caller adds
 * the rest. A partial tile (rowCount &lt; 4) repeats its last row: the repeats compute and
 * store the same value again, which keeps one loop body for every tile.
 */
final class F32Tiles {
    static final int ROWS = 4;
    static final int TOKENS = 4;

    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private F32Tiles() {
    }

    /**
     * y[yRow + i + t * rows] = W[row0 + i, 0..n) · x[t * cols + 0..n) for the tile's rows i and
     * tokens t in [t0, t1): 4-token tiles while they last, then one token at a time.
     */
    static void rowTile(MemorySegment w, long rowBytes, int row0, int rowCount, int n,
                        float[] x, int cols, int t0, int t1, float[] y, int rows, int yRow) {
        int t = t0;
        for (; t + TOKENS <= t1; t += TOKENS) {
            rows4Tokens4(w, rowBytes, row0, rowCount, n, x, t * cols, cols, y, t * rows + yRow, rows);
        }
        for (; t < t1; t++) {
            rows4Token1(w, rowBytes, row0, rowCount, n, x, t * cols, y, t * rows + yRow);
        }
    }

    /** y[yOff + i] = W[row0 + i, 0..n) · x[xOff ..) for i in [0, 4). The GEMV tile. */
    static void rows4Token1(MemorySegment w, long rowBytes, int row0, int rowCount, int n,
                            float[] x, int xOff, float[] y, int yOff) {
        int last = rowCount - 1;
        long w0 = row0 * rowBytes;
        long w1 = (row0 + Math.min(1, last)) * rowBytes;
        long w2 = (row0 + Math.min(2, last)) * rowBytes;
        long w3 = (row0 + Math.min(3, last)) * rowBytes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        for (int c = 0; c < n; c += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + c);
            long b = (long) c * Float.BYTES;
            a0 = FloatVector.fromMemorySegment(F, w, w0 + b, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, w1 + b, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, w2 + b, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, w3 + b, LE).fma(xv, a3);
        }
        y[yOff] = a0.reduceLanes(VectorOperators.ADD);
        y[yOff + Math.min(1, last)] = a1.reduceLanes(VectorOperators.ADD);
        y[yOff + Math.min(2, last)] = a2.reduceLanes(VectorOperators.ADD);
        y[yOff + Math.min(3, last)] = a3.reduceLanes(VectorOperators.ADD);
    }

    /**
     * y[yOff + j * yStride + i] = W[row0 + i, 0..n) · x[xOff + j * xStride ..) for i, j in
     * [0, 4). The GEMM tile: 8 loads feed 16 FMAs.
     */
    static void rows4Tokens4(MemorySegment w, long rowBytes, int row0, int rowCount, int n,
                             float[] x, int xOff, int xStride, float[] y, int yOff, int yStride) {
        int last = rowCount - 1;
        long w0 = row0 * rowBytes;
        long w1 = (row0 + Math.min(1, last)) * rowBytes;
        long w2 = (row0 + Math.min(2, last)) * rowBytes;
        long w3 = (row0 + Math.min(3, last)) * rowBytes;
        int x0 = xOff;
        int x1 = xOff + xStride;
        int x2 = xOff + 2 * xStride;
        int x3 = xOff + 3 * xStride;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        for (int c = 0; c < n; c += F.length()) {
            long b = (long) c * Float.BYTES;
            FloatVector r0 = FloatVector.fromMemorySegment(F, w, w0 + b, LE);
            FloatVector r1 = FloatVector.fromMemorySegment(F, w, w1 + b, LE);
            FloatVector r2 = FloatVector.fromMemorySegment(F, w, w2 + b, LE);
            FloatVector r3 = FloatVector.fromMemorySegment(F, w, w3 + b, LE);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + c);
            a00 = r0.fma(xv, a00);
            a10 = r1.fma(xv, a10);
            a20 = r2.fma(xv, a20);
            a30 = r3.fma(xv, a30);
            xv = FloatVector.fromArray(F, x, x1 + c);
            a01 = r0.fma(xv, a01);
            a11 = r1.fma(xv, a11);
            a21 = r2.fma(xv, a21);
            a31 = r3.fma(xv, a31);
            xv = FloatVector.fromArray(F, x, x2 + c);
            a02 = r0.fma(xv, a02);
            a12 = r1.fma(xv, a12);
            a22 = r2.fma(xv, a22);
            a32 = r3.fma(xv, a32);
            xv = FloatVector.fromArray(F, x, x3 + c);
            a03 = r0.fma(xv, a03);
            a13 = r1.fma(xv, a13);
            a23 = r2.fma(xv, a23);
            a33 = r3.fma(xv, a33);
        }
        store4(y, yOff, last, a00, a10, a20, a30);
        store4(y, yOff + yStride, last, a01, a11, a21, a31);
        store4(y, yOff + 2 * yStride, last, a02, a12, a22, a32);
        store4(y, yOff + 3 * yStride, last, a03, a13, a23, a33);
    }

    /** Stores the sums of one token's 4 row accumulators; repeated rows overwrite the last. */
    private static void store4(float[] y, int yOff, int last, FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3) {
        y[yOff] = s0.reduceLanes(VectorOperators.ADD);
        y[yOff + Math.min(1, last)] = s1.reduceLanes(VectorOperators.ADD);
        y[yOff + Math.min(2, last)] = s2.reduceLanes(VectorOperators.ADD);
        y[yOff + Math.min(3, last)] = s3.reduceLanes(VectorOperators.ADD);
    }
}
