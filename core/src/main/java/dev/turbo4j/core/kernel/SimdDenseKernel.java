package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The loop structure shared by the SIMD dense kernels; subclasses supply the format-specific
 * inner loops (a GEMV tile and a row-panel packer).
 *
 * <p>Fewer than {@link #gemmMinTokens} tokens (decode, small decode batches) take the
 * GEMV path: each 4-row tile is streamed once from memory, widened in registers,
 * and multiplied with every token while it is still in L1. Its vector loops cover columns
 * [0, {@link #vectorColumns}); the scalar reference adds the few columns after.
 *
 * <p>More tokens (batched decode, prefill) take the GEMM path ({@link PanelGemm}): per block of tokens and block of
 * columns the tokens are packed once, then each panel of rows is widened and packed once
 * and multiplied with every token panel of the block.
 */
abstract sealed class SimdDenseKernel implements DenseKernel permits F32DenseKernel, HalfDenseKernel {
    /** Rows per GEMV tile. */
    static final int GEMV_ROWS = 4;
    /** Tokens per group of the six-token tile. */
    static final int GROUP_TOKENS = 6;

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
        if (tokens < gemmMinTokens()) {
            gemv(w, rows, cols, x, tokens, y, rowStart, rowEnd);
        } else {
            gemm(w, rows, cols, x, tokens, y, rowStart, rowEnd);
        }
    }

    private void gemv(MemorySegment w, int rows, int cols, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        int n = vectorColumns(cols);
        float[] xk = kernelActivations(x, tokens, cols, n);
        int x0 = activationOffset();
        float[] groups = sixTokenTiles() && tokens >= GROUP_TOKENS ? tokenGroups(xk, x0, tokens, cols, n) : null;
        // Tile rows a quarter of the range apart: four long sequential streams, which the
        // prefetcher keeps ahead of the loads, where four adjacent rows are four short ones.
        int step = (rowEnd - rowStart) / GEMV_ROWS;
        for (int r = rowStart; r < rowStart + step; r++) {
            gemvTile(w, rows, cols, r, step, GEMV_ROWS, n, xk, x0, groups, tokens, y);
        }
        int rest = rowStart + GEMV_ROWS * step;
        if (rest < rowEnd) {
            gemvTile(w, rows, cols, rest, 1, rowEnd - rest, n, xk, x0, groups, tokens, y);
        }
        if (n < cols) {
            for (int r = rowStart; r < rowEnd; r++) {
                for (int t = 0; t < tokens; t++) {
                    y[t * rows + r] += ScalarDenseKernel.dot(dtype, w, (long) r * cols, x, t * cols, n, cols);
                }
            }
        }
    }

    /**
     * Rows r, r + step, .. (rowCount of them) times every token: six tokens at a time (two rows
     * each, from the token groups) where the kernel has six-token tiles, then four where it has
     * four-token tiles, then two, then one.
     */
    private void gemvTile(MemorySegment w, int rows, int cols, int r, int step, int rowCount, int n, float[] xk,
                          int x0, float[] groups, int tokens, float[] y) {
        int t = 0;
        int last = rowCount - 1;
        int r1 = r + Math.min(1, last) * step, r2 = r + Math.min(2, last) * step, r3 = r + Math.min(3, last) * step;
        if (groups != null) {
            for (; t + GROUP_TOKENS <= tokens; t += GROUP_TOKENS) {
                int at = ArrayAlignment.FLOAT_START + t * n;
                rows2Tokens6(w, cols, r, r1, n, groups, at, y, t * rows + r, t * rows + r1, rows);
                rows2Tokens6(w, cols, r2, r3, n, groups, at, y, t * rows + r2, t * rows + r3, rows);
            }
        }
        if (tokens - t >= 4 && fourTokenTiles()) {
            for (; t + 4 <= tokens; t += 4) {
                rows2Tokens4(w, cols, r, r1, n, xk, x0 + t * cols, cols, y, t * rows + r, t * rows + r1, rows);
                rows2Tokens4(w, cols, r2, r3, n, xk, x0 + t * cols, cols, y, t * rows + r2, t * rows + r3, rows);
            }
        }
        for (; t + 2 <= tokens; t += 2) {
            rows4Tokens2(w, cols, r, step, rowCount, n, xk, x0 + t * cols, cols, y, t * rows + r, rows);
        }
        for (; t < tokens; t++) {
            rows4Token1(w, cols, r, step, rowCount, n, xk, x0 + t * cols, y, t * rows + r);
        }
    }

    /**
     * The tokens of xk (token t at x0 + t * cols, even columns of [0, n) first, then the odd
     * ones) in groups of {@link #GROUP_TOKENS} for {@link #rows2Tokens6}: group g at
     * FLOAT_START + g * GROUP_TOKENS * n, then per L pairs of columns c (columns [2cL, 2cL + 2L))
     * each token's L even columns and L odd ones, at 2 L GROUP_TOKENS c + 2 L j (+ L) for token j.
     * One array offset then reaches every activation a tile loads, so its loop holds two
     * pointers rather than one per token.
     */
    private static float[] tokenGroups(float[] xk, int x0, int tokens, int cols, int n) {
        int l = SimdSpecies.FLOAT_LANES;
        int half = n / 2;
        int groupCount = tokens / GROUP_TOKENS;
        float[] groups = KernelScratch.current().tokenPanels(ArrayAlignment.FLOAT_START + groupCount * GROUP_TOKENS * n);
        for (int t = 0; t < groupCount * GROUP_TOKENS; t++) {
            int src = x0 + t * cols;
            int dst = ArrayAlignment.FLOAT_START + t / GROUP_TOKENS * GROUP_TOKENS * n + t % GROUP_TOKENS * 2 * l;
            for (int k = 0; k < half; k += l) {
                int at = dst + k * 2 * GROUP_TOKENS;
                FloatVector.fromArray(SimdSpecies.FLOAT, xk, src + k).intoArray(groups, at);
                FloatVector.fromArray(SimdSpecies.FLOAT, xk, src + half + k).intoArray(groups, at + l);
            }
        }
        return groups;
    }

    private void gemm(MemorySegment w, int rows, int cols, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        PanelGemm.multiply((row0, rowCount, k0, kc, panel, stride) -> packRows(w, cols, row0, rowCount, k0, kc, panel, stride),
                pairOrder(), rows, cols, x, tokens, y, rowStart, rowEnd);
    }

    /**
     * From this many tokens on the GEMM path is faster; below, its token panels are mostly
     * padding and re-reading each 4-row tile from L1 once per token wins.
     */
    int gemmMinTokens() {
        return PanelGemm.NARROW_MIN_TOKENS;
    }

    /** Where token 0 starts in the array {@link #kernelActivations} returns. */
    int activationOffset() {
        return 0;
    }

    /** Columns [0, n) the vector loops cover; a multiple of the vector length. */
    abstract int vectorColumns(int cols);

    /**
     * x in the column order the inner loops read it: x itself, or a per-thread reordered
     * copy, token t at {@link #activationOffset} + t * cols. Only columns [0, n) of each token
     * need to be valid.
     */
    abstract float[] kernelActivations(float[] x, int tokens, int cols, int n);

    /**
     * The GEMV tile: y[yOff + i step] = W[row0 + i step, 0..n) · xk[xOff ..) for the rowCount
     * (1..4) rows, each row streamed once.
     */
    abstract void rows4Token1(MemorySegment w, int cols, int row0, int step, int rowCount, int n,
                              float[] xk, int xOff, float[] y, int yOff);

    /**
     * {@link #rows4Token1} for two tokens (x at xOff and xOff + xStride, y at yOff and yOff +
     * yStride), each (row, token) summed in exactly the same order, so results do not depend on
     * how tokens are paired. A kernel overrides it to widen each weight vector once for both.
     */
    void rows4Tokens2(MemorySegment w, int cols, int row0, int step, int rowCount, int n, float[] xk, int xOff,
                      int xStride, float[] y, int yOff, int yStride) {
        rows4Token1(w, cols, row0, step, rowCount, n, xk, xOff, y, yOff);
        rows4Token1(w, cols, row0, step, rowCount, n, xk, xOff + xStride, y, yOff + yStride);
    }

    /**
     * y[yOff + i step] = the lane sum of the accumulator stored at lanes[at + i L], for rows
     * i = 0..last of a {@link #rows4Token1} tile (its accumulators past the last row repeat it).
     */
    static void storeRowSums(float[] lanes, int at, float[] y, int yOff, int step, int last) {
        for (int i = 0; i <= last; i++) {
            y[yOff + i * step] = VectorOps.sumLanes(lanes, at + i * SimdSpecies.FLOAT_LANES);
        }
    }

    /** Whether {@link #rows2Tokens4} has its own loop; without one, tokens go two at a time. */
    boolean fourTokenTiles() {
        return false;
    }

    /**
     * Rows rowA and rowB times four tokens (x at xOff + j xStride, y at yA + j yStride and
     * yB + j yStride), each (row, token) summed exactly as {@link #rows4Token1} sums it.
     */
    void rows2Tokens4(MemorySegment w, int cols, int rowA, int rowB, int n, float[] xk, int xOff, int xStride,
                      float[] y, int yA, int yB, int yStride) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no four-token tile");
    }

    /** Whether {@link #rows2Tokens6} has its own loop; without one, six-token groups are not built. */
    boolean sixTokenTiles() {
        return false;
    }

    /**
     * Rows rowA and rowB times the {@link #GROUP_TOKENS} tokens of a token group at xg (see
     * {@link #tokenGroups}), y at yA + j yStride and yB + j yStride, each (row, token) summed
     * exactly as {@link #rows4Token1} sums it.
     */
    void rows2Tokens6(MemorySegment w, int cols, int rowA, int rowB, int n, float[] groups, int xg, float[] y,
                      int yA, int yB, int yStride) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no six-token tile");
    }

    /** Whether this kernel's GEMM panels hold their columns in pair order ({@link PanelGemm#pairedColumns}). */
    abstract boolean pairOrder();

    /**
     * Packs a {@link PanelGemm} row panel: row i of the panel (at i * stride) holds
     * W[row0 + i, k0 .. k0 + kc) widened to F32, in {@link #pairOrder} order, for i in
     * [0, rowCount); the rows after are left as they are (their sums are never stored).
     */
    abstract void packRows(MemorySegment w, int cols, int row0, int rowCount, int k0, int kc, float[] panel,
                           int stride);
}
