package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Shared layout of the 16-bit weight kernels (BF16, F16). The inner loops load one int
 * vector per step, holding pairs of weights: the low halves are the even columns, the high
 * halves the odd ones, and each widens to a float vector with lane-wise bit operations (no
 * shape-changing conversion). The activations are therefore reordered per token to match:
 * the even columns of [0, n) first, then the odd ones. A dot product does not care about
 * the order, so the GEMM path widens a row tile into the same order once and reuses the
 * F32 tiles.
 */
abstract sealed class HalfDenseKernel extends SimdDenseKernel permits Bf16DenseKernel, F16DenseKernel {
    HalfDenseKernel(DType dtype) {
        super(dtype);
    }

    @Override
    final int vectorColumns(int cols) {
        return 2 * SimdSpecies.INT.loopBound(cols / 2);
    }

    @Override
    final float[] kernelActivations(float[] x, int tokens, int cols, int n) {
        float[] split = KernelScratch.current().activations(tokens * cols);
        int half = n / 2;
        for (int t = 0; t < tokens; t++) {
            int base = t * cols;
            for (int k = 0; k < half; k++) {
                split[base + k] = x[base + 2 * k];
                split[base + half + k] = x[base + 2 * k + 1];
            }
        }
        return split;
    }

    @Override
    final void rowTile(MemorySegment w, int rows, int cols, int n, float[] xk, int t0, int t1, float[] y,
                       int row0, int rowCount) {
        long rowBytes = (long) n * Float.BYTES;
        MemorySegment widened = KernelScratch.current().rows(F32Tiles.ROWS * rowBytes);
        widenRows(w, cols, row0, rowCount, n, widened);
        F32Tiles.rowTile(widened, rowBytes, 0, rowCount, n, xk, cols, t0, t1, y, rows, row0);
    }

    /**
     * Widens columns [0, n) of rows [row0, row0 + rowCount) to F32 in the split order (evens,
     * then odds), row i at byte offset i * n * 4 of dst.
     */
    abstract void widenRows(MemorySegment w, int cols, int row0, int rowCount, int n, MemorySegment dst);
}
