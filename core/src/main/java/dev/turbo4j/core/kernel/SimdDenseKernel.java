package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The loop structure shared by the SIMD dense kernels; subclasses supply the format-specific
 * inner loops.
 *
 * <p>Fewer than {@link F32Tiles#TOKENS} tokens take the GEMV path: each 4-row tile is
 * streamed once from memory, widened in registers, and multiplied with every token while it
 * is still in L1. More tokens take the GEMM path: tokens are processed in blocks whose
 * activations fit in L2; for each block, each 4-row tile runs the register-tiled 4 × 4
 * kernel (after the format widened the tile to F32 once for the block).
 *
 * <p>Vector code covers columns [0, {@link #vectorColumns}); the few columns after it are
 * added by the scalar reference, so every shape is handled without masked loads.
 */
abstract sealed class SimdDenseKernel implements DenseKernel permits F32DenseKernel, HalfDenseKernel {
    /** Activations of one token block stay within this many bytes (half of a 2 MB L2). */
    private static final int TOKEN_BLOCK_BYTES = 1 << 20;

    private final DType dtype;

    SimdDenseKernel(DType dtype) {
        this.dtype = dtype;
    }

    /** The weight format this kernel reads. */
    final DType dtype() {
        return dtype;
    }

    @Override
    public final void multiply(MemorySegment w, int rows, int cols, float[] x, int tokens, float[] y,
                               int rowStart, int rowEnd) {
        Objects.checkFromToIndex(rowStart, rowEnd, rows);
        Objects.checkFromIndexSize(0, (long) tokens * cols, x.length);
        Objects.checkFromIndexSize(0, (long) tokens * rows, y.length);
        if (rowStart == rowEnd || tokens == 0) {
            return;
        }
        int n = vectorColumns(cols);
        float[] xk = kernelActivations(x, tokens, cols, n);
        if (tokens < F32Tiles.TOKENS) {
            gemv(w, rows, cols, n, xk, tokens, y, rowStart, rowEnd);
        } else {
            gemm(w, rows, cols, n, xk, tokens, y, rowStart, rowEnd);
        }
        if (n < cols) {
            for (int r = rowStart; r < rowEnd; r++) {
                for (int t = 0; t < tokens; t++) {
                    y[t * rows + r] += ScalarDenseKernel.dot(dtype, w, (long) r * cols, x, t * cols, n, cols);
                }
            }
        }
    }

    private void gemv(MemorySegment w, int rows, int cols, int n, float[] xk, int tokens, float[] y,
                      int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r += F32Tiles.ROWS) {
            int rowCount = Math.min(F32Tiles.ROWS, rowEnd - r);
            for (int t = 0; t < tokens; t++) {
                rows4Token1(w, cols, r, rowCount, n, xk, t * cols, y, t * rows + r);
            }
        }
    }

    private void gemm(MemorySegment w, int rows, int cols, int n, float[] xk, int tokens, float[] y,
                      int rowStart, int rowEnd) {
        int blockTokens = Math.max(F32Tiles.TOKENS,
                TOKEN_BLOCK_BYTES / (Float.BYTES * Math.max(1, cols)) / F32Tiles.TOKENS * F32Tiles.TOKENS);
        for (int t0 = 0; t0 < tokens; t0 += blockTokens) {
            int t1 = Math.min(tokens, t0 + blockTokens);
            for (int r = rowStart; r < rowEnd; r += F32Tiles.ROWS) {
                rowTile(w, rows, cols, n, xk, t0, t1, y, r, Math.min(F32Tiles.ROWS, rowEnd - r));
            }
        }
    }

    /** Columns [0, n) the vector loops cover; a multiple of the vector length. */
    abstract int vectorColumns(int cols);

    /**
     * x in the order the inner loops read it: x itself, or a per-thread reordered copy.
     * Only columns [0, n) of each token need to be valid.
     */
    abstract float[] kernelActivations(float[] x, int tokens, int cols, int n);

    /** The GEMV tile: rows [row0, row0 + rowCount) × one token, columns [0, n). */
    abstract void rows4Token1(MemorySegment w, int cols, int row0, int rowCount, int n,
                              float[] xk, int xOff, float[] y, int yOff);

    /** The GEMM work of rows [row0, row0 + rowCount) for tokens [t0, t1), columns [0, n). */
    abstract void rowTile(MemorySegment w, int rows, int cols, int n, float[] xk, int t0, int t1,
                          float[] y, int row0, int rowCount);
}
