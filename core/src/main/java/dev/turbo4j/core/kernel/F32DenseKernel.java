package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.MemorySegment;

/** SIMD kernel for F32 weights: the F32 tiles run straight on the stored rows. */
final class F32DenseKernel extends SimdDenseKernel {
    F32DenseKernel() {
        super(DType.F32);
    }

    @Override
    int vectorColumns(int cols) {
        return SimdSpecies.FLOAT.loopBound(cols);
    }

    @Override
    float[] kernelActivations(float[] x, int tokens, int cols, int n) {
        return x;
    }

    @Override
    void rows4Token1(MemorySegment w, int cols, int row0, int rowCount, int n, float[] xk, int xOff, float[] y, int yOff) {
        F32Tiles.rows4Token1(w, (long) cols * Float.BYTES, row0, rowCount, n, xk, xOff, y, yOff);
    }

    @Override
    void rowTile(MemorySegment w, int rows, int cols, int n, float[] xk, int t0, int t1, float[] y, int row0, int rowCount) {
        F32Tiles.rowTile(w, (long) cols * Float.BYTES, row0, rowCount, n, xk, cols, t0, t1, y, rows, row0);
    }
}
