package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Shared layout of the 16-bit weight kernels (BF16, F16) on the GEMV path. Their loops load
 * one int vector per step, holding L pairs of weights: the low halves are the even columns,
 * the high halves the odd ones, and each widens to a float vector with lane-wise bit
 * operations (no shape-changing conversion). The activations are therefore reordered per
 * token to match: per step, the L even columns, then the L odd ones; a dot product does not
 * care about the order. The GEMM path widens its row panels the same way, block by block,
 * and packs its token panels in the matching order.
 *
 * <p>Each row's sum is one FMA chain in that order (evens, odds, next step …) with its lanes
 * added in lane order, as {@link WidenedTiles} computes it. So with 4 or more tokens (batched
 * decode) a 4-row tile is widened once into F32 scratch and multiplied with 4 tokens per
 * register tile, reusing each widened weight 4 times, and every token still gets the bits it
 * gets alone.
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
        int lanes = SimdSpecies.INT.length();
        for (int t = 0; t < tokens; t++) {
            int base = t * cols;
            for (int step = 0; step < n; step += 2 * lanes) {
                for (int i = 0; i < lanes; i++) {
                    split[base + step + i] = x[base + step + 2 * i];
                    split[base + step + lanes + i] = x[base + step + 2 * i + 1];
                }
            }
        }
        return split;
    }

    @Override
    final boolean gemvTokens(MemorySegment w, int rows, int cols, int n, float[] xk, int tokens, float[] y,
                             int rowStart, int rowEnd) {
        if (tokens < WidenedTiles.TOKENS) {
            return false;
        }
        WidenedTiles.Scratch scratch = WidenedTiles.Scratch.current();
        float[] widened = scratch.rows(n);
        float[] sums = scratch.sums;
        for (int r = rowStart; r < rowEnd; r += WidenedTiles.ROWS) {
            int rowCount = Math.min(WidenedTiles.ROWS, rowEnd - r);
            for (int i = 0; i < WidenedTiles.ROWS; i++) {
                widenRow(w, cols, r + Math.min(i, rowCount - 1), n, widened, i * n);
            }
            int t = 0;
            for (; t + WidenedTiles.TOKENS <= tokens; t += WidenedTiles.TOKENS) {
                WidenedTiles.rows4Tokens4(widened, n, xk, t * cols, cols, sums, scratch.lanes);
                for (int j = 0; j < WidenedTiles.TOKENS; j++) {
                    System.arraycopy(sums, j * WidenedTiles.ROWS, y, (t + j) * rows + r, rowCount);
                }
            }
            for (; t < tokens; t++) {
                WidenedTiles.rows4Token1(widened, n, xk, t * cols, sums, scratch.lanes);
                System.arraycopy(sums, 0, y, t * rows + r, rowCount);
            }
        }
        return true;
    }

    /** Row r's columns [0, n) widened into dst[off ..) in the kernel's order (per step: L evens, L odds). */
    abstract void widenRow(MemorySegment w, int cols, int r, int n, float[] dst, int off);

    @Override
    final boolean pairOrder() {
        return true;
    }
}
