package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles of the GEMM path: weight rows by a panel of tokens, accumulated over a
 * block of columns in vector registers that are never reduced horizontally.
 *
 * <p>Per column c a tile loads its vectors of activations, broadcasts each of its weights
 * W[i, c], and issues one FMA per (row, token vector), which keeps the FMA ports busy rather
 * than the load ports or the shuffles a dot-product tile spends on its reductions. Two shapes
 * ({@link Tile}): {@link Tile#WIDE} ({@link #ROWS} rows by two vectors of tokens) from
 * {@link #MIN_TOKENS} tokens on, and {@link Tile#NARROW} (12 rows by one vector) for batched
 * decode, from {@link #NARROW_MIN_TOKENS}. The operands are packed per block of
 * {@link #COLUMNS} columns:
 * <ul>
 * <li>a row panel holds the tile's rows widened to F32, row i at {@code i * ROW_STRIDE}, so one
 *     pointer with constant displacements reaches all the rows (the widening is vectorised and
 *     needs no transpose);</li>
 * <li>a token panel holds the activations transposed, column c's values for the tile's tokens
 *     at {@code c * tile.tokens()} (zero past the last token).</li>
 * </ul>
 * Within a block the columns may come in a kernel's own order (see
 * {@link HalfDenseKernel}), as long as both panels use it.
 */
final class PanelGemm {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final int L = SimdSpecies.FLOAT_LANES;

    /**
     * Weight rows per wide tile: 12 (24 accumulators, 2 activation loads per 24 FMAs) where
     * 512-bit vectors mean 32 vector registers; 4 below, where AVX2 has 16. C2 loads every
     * row's broadcast weight at the top of the loop body, so the tile needs 2 registers per
     * row plus the activations': with 6 or 5 rows it kept one or two accumulators on the stack,
     * whose store-and-reload each column doubled the loop's latency (BF16 8192 x 2048 at 128
     * tokens: 66 ms with 6 rows, 31 ms with 4, about the FMA peak).
     */
    static final int ROWS = SimdSpecies.bits() >= 512 ? 12 : 4;
    /** Tokens per wide tile: two vectors. */
    static final int TOKENS = 2 * L;
    /**
     * Columns per block of the wide tile, and the stride of a row panel's rows. Measured
     * against 512 on the Qwen2.5-0.5B shapes: K = 896 then takes one block, and 1-7% faster.
     */
    static final int COLUMNS = 1024;
    /**
     * The stride of a wide row panel's rows: a cache line more than {@link #COLUMNS}. At 4 KB
     * apart, the 12 lines a column's broadcasts read all fell in one L1 set, as many as its ways:
     * the tile alone took 16.0 cycles per column (24 FMAs, 12 ideal), and 14.3 with this stride.
     * BF16 GEMM at 256 tokens, weights from DRAM, 2 threads (JMH, alternated): 4864 x 896 7.5-8.2
     * against 7.9-8.5 ms, 896 x 4864 7.8-8.1 against 8.0-8.2 ms.
     */
    static final int ROW_STRIDE = COLUMNS + 16;
    /**
     * Columns per block of the narrow tile: its row and token panels (24 + 32 KB at 512 bits)
     * then stay in L1 (with 1,024 columns it measured about 10% slower).
     */
    static final int NARROW_COLUMNS = 512;
    /**
     * Rows per chunk of the wide path: the sums of a chunk's tiles (1 MB at 128 tokens) are
     * carried across the column blocks, so y is stored once per tile rather than added to
     * after every block; the tokens are packed again for each chunk.
     */
    static final int CHUNK_ROWS = 2040;
    /**
     * Tokens per block: their panels for one column block (1 MB at 512 bits) stay in L2, and
     * each block widens the weights again. 256 rather than 128 halves that re-widening, which
     * reads the weights from L3 or DRAM: Llama-3.2-1B prefill of 512 tokens 107 -> 119 tok/s in
     * BF16, 119 -> 121 in int4 (three alternated rounds, 2 threads).
     */
    static final int BLOCK_TOKENS = 8 * TOKENS;

    /**
     * From one full token panel on the wide tile is used; below, its panels would be mostly
     * padding. At 256 bits it then serves 16-token decode batches too: 17% faster there than the
     * narrow tile on the Qwen2.5-0.5B MLP shapes (JMH, BF16, 2 threads), and equal at 24.
     */
    static final int MIN_TOKENS = TOKENS;
    /**
     * From this many tokens on the narrow tile beats the GEMV tiles (each widened weight is
     * reused by a whole vector of tokens rather than two). Measured for BF16 4864 x 896 and
     * 896 x 4864 at 512 bits, weights from DRAM.
     */
    static final int NARROW_MIN_TOKENS = 12;

    /** The two tile shapes. */
    enum Tile {
        /** {@link #ROWS} rows by two vectors of tokens: 2 activation loads per 2 x ROWS FMAs. */
        WIDE(ROWS, TOKENS),
        /**
         * 12 rows by one vector of tokens: 12 independent accumulators still hide the FMA
         * latency, and a batch of decode tokens fills the vector.
         */
        NARROW(12, L);

        private final int rows;
        private final int tokens;

        Tile(int rows, int tokens) {
            this.rows = rows;
            this.tokens = tokens;
        }

        /** Weight rows per tile. */
        int rows() {
            return rows;
        }

        /** Tokens per token panel. */
        int tokens() {
            return tokens;
        }

        /** The tile for a GEMM over this many tokens (at least {@link #NARROW_MIN_TOKENS}). */
        static Tile forTokens(int tokens) {
            return tokens >= MIN_TOKENS ? WIDE : NARROW;
        }

        /** Number of token panels for this many tokens. */
        int panels(int tokenCount) {
            return (tokenCount + tokens - 1) / tokens;
        }
    }

    /** Rows of the largest tile: the size of a row panel. */
    static final int MAX_TILE_ROWS = Math.max(Tile.WIDE.rows(), Tile.NARROW.rows());

    private PanelGemm() {
    }

    /** Widens a weight format's rows into a row panel (see {@link #multiply}). */
    @FunctionalInterface
    interface RowPacker {
        /**
         * Row i of the panel (at i * stride) holds W[row0 + i, k0 .. k0 + kc) as F32, in pair
         * order when the GEMM runs with pairOrder, for i in [0, rowCount); the rows after are
         * left as they are (their sums are never stored).
         */
        void packRows(int row0, int rowCount, int k0, int kc, float[] panel, int stride);
    }

    /**
     * y[t, rowStart..rowEnd) = W x[t] for all tokens (at least {@link #NARROW_MIN_TOKENS}).
     * Fewer than {@link #MIN_TOKENS} take the narrow tile: the tokens are packed once, then
     * each row tile is widened and multiplied block by block, so its rows are read from memory
     * as one contiguous stream. More take the wide tile: per block of tokens and block of
     * columns the tokens are packed once, then each panel of rows is widened and packed once
     * and multiplied with every token panel of the block. Either way each y[t, r] is stored
     * once, after its last column block, so y needs no clearing first.
     */
    static void multiply(RowPacker packer, boolean pairOrder, int rows, int cols, float[] x, int tokens, float[] y,
                         int rowStart, int rowEnd) {
        if (Tile.forTokens(tokens) == Tile.NARROW) {
            multiplyNarrow(packer, pairOrder, rows, cols, x, tokens, y, rowStart, rowEnd);
        } else {
            multiplyWide(packer, pairOrder, rows, cols, x, tokens, y, rowStart, rowEnd);
        }
    }

    /**
     * The widening and the FMAs run one after the other, and from DRAM they take about equally long
     * (BF16 4864 x 896 at 16 tokens on a 2-core Xeon: 0.59 ms FMAs alone, 0.64 ms widening alone,
     * 1.36 ms both). Widening the next panel inside the FMA loop does not overlap them: Java has no
     * prefetch, so each miss in that loop holds up retirement. Fused loops measured 1.38-1.75 ms,
     * whether they interleaved 3, 8 or 16 vectors per 8 columns, and whether the blocks were 512 or
     * 1,024 columns wide. Unrolled to 2 or 4 columns, the loop grew past what C2 inlines, and its
     * vectors were boxed (about 7 ms).
     */
    private static void multiplyNarrow(RowPacker packer, boolean pairOrder, int rows, int cols, float[] x,
                                       int tokens, float[] y, int rowStart, int rowEnd) {
        Tile tile = Tile.NARROW;
        int panelTokens = tile.tokens();
        int panels = tile.panels(tokens);
        KernelScratch scratch = KernelScratch.current();
        // Panel p of the block at k0 lies at (p * cols + k0) * panelTokens.
        float[] tokenPanels = scratch.tokenPanels(panels * panelTokens * cols);
        float[] rowPanel = scratch.rowPanel(MAX_TILE_ROWS * ROW_STRIDE);
        int tileSums = tile.rows() * panelTokens;
        float[] sums = scratch.tileSums(panels * tileSums);
        for (int p = 0; p < panels; p++) {
            int t0 = p * panelTokens;
            int count = Math.min(panelTokens, tokens - t0);
            for (int k0 = 0; k0 < cols; k0 += NARROW_COLUMNS) {
                int kc = Math.min(NARROW_COLUMNS, cols - k0);
                packTokens(x, cols, t0, count, k0, kc, pairOrder, tile, tokenPanels,
                        (p * cols + k0) * panelTokens);
            }
        }
        for (int r = rowStart; r < rowEnd; r += tile.rows()) {
            int rowCount = Math.min(tile.rows(), rowEnd - r);
            for (int k0 = 0; k0 < cols; k0 += NARROW_COLUMNS) {
                int kc = Math.min(NARROW_COLUMNS, cols - k0);
                packer.packRows(r, rowCount, k0, kc, rowPanel, NARROW_COLUMNS);
                for (int p = 0; p < panels; p++) {
                    accumulate12x1(rowPanel, tokenPanels, (p * cols + k0) * panelTokens, kc, sums, p * tileSums,
                            k0 > 0);
                }
            }
            // The sums run on across the column blocks, so y is stored once per tile.
            for (int p = 0; p < panels; p++) {
                int t = p * panelTokens;
                storeSums(tile, sums, p * tileSums, y, t * rows + r, rows, rowCount, Math.min(panelTokens, tokens - t));
            }
        }
    }

    private static void multiplyWide(RowPacker packer, boolean pairOrder, int rows, int cols, float[] x,
                                     int tokens, float[] y, int rowStart, int rowEnd) {
        Tile tile = Tile.WIDE;
        int panelTokens = tile.tokens();
        int tileSums = tile.rows() * panelTokens;
        KernelScratch scratch = KernelScratch.current();
        int blockTokens = Math.min(tokens, BLOCK_TOKENS);
        float[] tokenPanels = scratch.tokenPanels(tile.panels(blockTokens) * panelTokens * Math.min(cols, COLUMNS));
        float[] rowPanel = scratch.rowPanel(MAX_TILE_ROWS * ROW_STRIDE);
        int chunkTiles = (Math.min(CHUNK_ROWS, rowEnd - rowStart) + tile.rows() - 1) / tile.rows();
        // The sums of every (tile, token panel) of a chunk, carried across the column blocks.
        float[] sums = scratch.tileSums(chunkTiles * tile.panels(blockTokens) * tileSums);
        for (int t0 = 0; t0 < tokens; t0 += blockTokens) {
            int count = Math.min(blockTokens, tokens - t0);
            int panels = tile.panels(count);
            for (int c0 = rowStart; c0 < rowEnd; c0 += CHUNK_ROWS) {
                int c1 = Math.min(rowEnd, c0 + CHUNK_ROWS);
                for (int k0 = 0; k0 < cols; k0 += COLUMNS) {
                    int kc = Math.min(COLUMNS, cols - k0);
                    boolean lastBlock = k0 + kc == cols;
                    packTokens(x, cols, t0, count, k0, kc, pairOrder, tile, tokenPanels, 0);
                    for (int r = c0; r < c1; r += tile.rows()) {
                        int rowCount = Math.min(tile.rows(), c1 - r);
                        packer.packRows(r, rowCount, k0, kc, rowPanel, ROW_STRIDE);
                        int at = (r - c0) / tile.rows() * panels * tileSums;
                        for (int p = 0; p < panels; p++) {
                            accumulate(rowPanel, tokenPanels, p * kc * panelTokens, kc, sums, at + p * tileSums,
                                    k0 > 0);
                            if (lastBlock) {
                                int t = t0 + p * panelTokens;
                                storeSums(tile, sums, at + p * tileSums, y, t * rows + r, rows, rowCount,
                                        Math.min(panelTokens, tokens - t));
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The vector part of a block of kc columns that is in pair order when pairOrder is set:
     * its even columns first, then its odd ones. Columns from here on are in natural order.
     */
    static int pairedColumns(int kc) {
        return 2 * SimdSpecies.INT.loopBound(kc / 2);
    }

    /**
     * Packs columns [k0, k0 + kc) of tokens [t0, t0 + tokens) of x (token t at t * cols) into
     * the tile's token panels, panel p at dstOff + p * kc * tile.tokens(), in natural column
     * order or in pair order (see {@link #pairedColumns}).
     */
    static void packTokens(float[] x, int cols, int t0, int tokens, int k0, int kc, boolean pairOrder, Tile tile,
                           float[] dst, int dstOff) {
        int panelTokens = tile.tokens();
        int panels = tile.panels(tokens);
        int halfPaired = pairOrder ? pairedColumns(kc) / 2 : 0;
        for (int p = 0; p < panels; p++) {
            int panel = dstOff + p * kc * panelTokens;
            if ((p + 1) * panelTokens <= tokens) {
                gatherPanel(x, cols, (t0 + p * panelTokens) * cols + k0, kc, halfPaired, panelTokens, dst, panel);
                continue;
            }
            for (int j = 0; j < panelTokens; j++) {
                int t = p * panelTokens + j;
                if (t >= tokens) {
                    for (int c = 0; c < kc; c++) {
                        dst[panel + c * panelTokens + j] = 0f;
                    }
                    continue;
                }
                int src = (t0 + t) * cols + k0;
                for (int k = 0; k < halfPaired; k++) {
                    dst[panel + k * panelTokens + j] = x[src + 2 * k];
                    dst[panel + (halfPaired + k) * panelTokens + j] = x[src + 2 * k + 1];
                }
                for (int c = 2 * halfPaired; c < kc; c++) {
                    dst[panel + c * panelTokens + j] = x[src + c];
                }
            }
        }
    }

    /**
     * A full token panel: column c of the panel (c in the block's order, see {@link #pairedColumns})
     * is one gather per vector of tokens from x at {@code src} (the panel's first token, column
     * k0) and one contiguous store, where a scalar transpose stores each value to its own cache
     * line.
     */
    private static void gatherPanel(float[] x, int cols, int src, int kc, int halfPaired, int panelTokens,
                                    float[] dst, int panel) {
        int[] rowStarts = KernelScratch.current().rowOffsets(panelTokens);
        for (int j = 0; j < panelTokens; j++) {
            rowStarts[j] = j * cols;
        }
        for (int k = 0; k < halfPaired; k++) {
            for (int h = 0; h < panelTokens; h += L) {
                FloatVector.fromArray(F, x, src + 2 * k, rowStarts, h).intoArray(dst, panel + k * panelTokens + h);
                FloatVector.fromArray(F, x, src + 2 * k + 1, rowStarts, h)
                        .intoArray(dst, panel + (halfPaired + k) * panelTokens + h);
            }
        }
        for (int c = 2 * halfPaired; c < kc; c++) {
            for (int h = 0; h < panelTokens; h += L) {
                FloatVector.fromArray(F, x, src + c, rowStarts, h).intoArray(dst, panel + c * panelTokens + h);
            }
        }
    }

    /** y[yOff + j * rows + i] = sums[sumsOff + i * T + j] for the real rows and tokens of a tile. */
    private static void storeSums(Tile tile, float[] sums, int sumsOff, float[] y, int yOff, int rows, int rowCount,
                                int tokenCount) {
        int stride = tile.tokens();
        for (int j = 0; j < tokenCount; j++) {
            int at = yOff + j * rows;
            for (int i = 0; i < rowCount; i++) {
                y[at + i] = sums[sumsOff + i * stride + j];
            }
        }
    }

    /**
     * The wide tile: sums[at + i * TOKENS + j] (+)= sum_c w[i * ROW_STRIDE + c] * x[xPanel + c * TOKENS + j],
     * adding to the sums already there when carry is set. Kept apart from the store into y: C2
     * inlines vector code up to a node budget, and a vector op left out of line boxes its
     * operands on every loop iteration.
     */
    private static void accumulate(float[] w, float[] x, int xPanel, int kc, float[] sums, int at, boolean carry) {
        if (ROWS == 12) {
            accumulate12(w, x, xPanel, kc, sums, at, carry);
        } else {
            accumulate4(w, x, xPanel, kc, sums, at, carry);
        }
    }

    /**
     * The narrow tile, 12 rows by one vector of tokens in 12 accumulators:
     * sums[at + i * L + j] (+)= sum_c w[i * NARROW_COLUMNS + c] * x[xPanel + c * L + j], adding to the
     * sums already there when carry is set.
     */
    private static void accumulate12x1(float[] w, float[] x, int xPanel, int kc, float[] sums, int at, boolean carry) {
        FloatVector a0 = start(sums, at, carry), a1 = start(sums, at + L, carry), a2 = start(sums, at + 2 * L, carry);
        FloatVector a3 = start(sums, at + 3 * L, carry), a4 = start(sums, at + 4 * L, carry);
        FloatVector a5 = start(sums, at + 5 * L, carry), a6 = start(sums, at + 6 * L, carry);
        FloatVector a7 = start(sums, at + 7 * L, carry), a8 = start(sums, at + 8 * L, carry);
        FloatVector a9 = start(sums, at + 9 * L, carry), aa = start(sums, at + 10 * L, carry);
        FloatVector ab = start(sums, at + 11 * L, carry);
        for (int c = 0; c < kc; c++) {
            FloatVector x0 = FloatVector.fromArray(F, x, xPanel + c * L);
            a0 = x0.fma(FloatVector.broadcast(F, w[c]), a0);
            a1 = x0.fma(FloatVector.broadcast(F, w[NARROW_COLUMNS + c]), a1);
            a2 = x0.fma(FloatVector.broadcast(F, w[2 * NARROW_COLUMNS + c]), a2);
            a3 = x0.fma(FloatVector.broadcast(F, w[3 * NARROW_COLUMNS + c]), a3);
            a4 = x0.fma(FloatVector.broadcast(F, w[4 * NARROW_COLUMNS + c]), a4);
            a5 = x0.fma(FloatVector.broadcast(F, w[5 * NARROW_COLUMNS + c]), a5);
            a6 = x0.fma(FloatVector.broadcast(F, w[6 * NARROW_COLUMNS + c]), a6);
            a7 = x0.fma(FloatVector.broadcast(F, w[7 * NARROW_COLUMNS + c]), a7);
            a8 = x0.fma(FloatVector.broadcast(F, w[8 * NARROW_COLUMNS + c]), a8);
            a9 = x0.fma(FloatVector.broadcast(F, w[9 * NARROW_COLUMNS + c]), a9);
            aa = x0.fma(FloatVector.broadcast(F, w[10 * NARROW_COLUMNS + c]), aa);
            ab = x0.fma(FloatVector.broadcast(F, w[11 * NARROW_COLUMNS + c]), ab);
        }
        a0.intoArray(sums, at);
        a1.intoArray(sums, at + L);
        a2.intoArray(sums, at + 2 * L);
        a3.intoArray(sums, at + 3 * L);
        a4.intoArray(sums, at + 4 * L);
        a5.intoArray(sums, at + 5 * L);
        a6.intoArray(sums, at + 6 * L);
        a7.intoArray(sums, at + 7 * L);
        a8.intoArray(sums, at + 8 * L);
        a9.intoArray(sums, at + 9 * L);
        aa.intoArray(sums, at + 10 * L);
        ab.intoArray(sums, at + 11 * L);
    }

    /** An accumulator's start: the sums so far when carrying, else zero. */
    private static FloatVector start(float[] sums, int at, boolean carry) {
        return carry ? FloatVector.fromArray(F, sums, at) : FloatVector.zero(F);
    }

    /** 12 rows: 24 accumulators, for 32 vector registers (AVX-512). */
    private static void accumulate12(float[] w, float[] x, int xPanel, int kc, float[] sums, int at,
                                     boolean carry) {
        FloatVector a00 = start(sums, at, carry);
        FloatVector a10 = start(sums, at + L, carry);
        FloatVector a01 = start(sums, at + TOKENS, carry);
        FloatVector a11 = start(sums, at + TOKENS + L, carry);
        FloatVector a02 = start(sums, at + 2 * TOKENS, carry);
        FloatVector a12 = start(sums, at + 2 * TOKENS + L, carry);
        FloatVector a03 = start(sums, at + 3 * TOKENS, carry);
        FloatVector a13 = start(sums, at + 3 * TOKENS + L, carry);
        FloatVector a04 = start(sums, at + 4 * TOKENS, carry);
        FloatVector a14 = start(sums, at + 4 * TOKENS + L, carry);
        FloatVector a05 = start(sums, at + 5 * TOKENS, carry);
        FloatVector a15 = start(sums, at + 5 * TOKENS + L, carry);
        FloatVector a06 = start(sums, at + 6 * TOKENS, carry);
        FloatVector a16 = start(sums, at + 6 * TOKENS + L, carry);
        FloatVector a07 = start(sums, at + 7 * TOKENS, carry);
        FloatVector a17 = start(sums, at + 7 * TOKENS + L, carry);
        FloatVector a08 = start(sums, at + 8 * TOKENS, carry);
        FloatVector a18 = start(sums, at + 8 * TOKENS + L, carry);
        FloatVector a09 = start(sums, at + 9 * TOKENS, carry);
        FloatVector a19 = start(sums, at + 9 * TOKENS + L, carry);
        FloatVector a0a = start(sums, at + 10 * TOKENS, carry);
        FloatVector a1a = start(sums, at + 10 * TOKENS + L, carry);
        FloatVector a0b = start(sums, at + 11 * TOKENS, carry);
        FloatVector a1b = start(sums, at + 11 * TOKENS + L, carry);
        for (int c = 0; c < kc; c++) {
            int xc = xPanel + c * TOKENS;
            FloatVector x0 = FloatVector.fromArray(F, x, xc);
            FloatVector x1 = FloatVector.fromArray(F, x, xc + L);
            FloatVector b = FloatVector.broadcast(F, w[c]);
            a00 = x0.fma(b, a00);
            a10 = x1.fma(b, a10);
            b = FloatVector.broadcast(F, w[ROW_STRIDE + c]);
            a01 = x0.fma(b, a01);
            a11 = x1.fma(b, a11);
            b = FloatVector.broadcast(F, w[2 * ROW_STRIDE + c]);
            a02 = x0.fma(b, a02);
            a12 = x1.fma(b, a12);
            b = FloatVector.broadcast(F, w[3 * ROW_STRIDE + c]);
            a03 = x0.fma(b, a03);
            a13 = x1.fma(b, a13);
            b = FloatVector.broadcast(F, w[4 * ROW_STRIDE + c]);
            a04 = x0.fma(b, a04);
            a14 = x1.fma(b, a14);
            b = FloatVector.broadcast(F, w[5 * ROW_STRIDE + c]);
            a05 = x0.fma(b, a05);
            a15 = x1.fma(b, a15);
            b = FloatVector.broadcast(F, w[6 * ROW_STRIDE + c]);
            a06 = x0.fma(b, a06);
            a16 = x1.fma(b, a16);
            b = FloatVector.broadcast(F, w[7 * ROW_STRIDE + c]);
            a07 = x0.fma(b, a07);
            a17 = x1.fma(b, a17);
            b = FloatVector.broadcast(F, w[8 * ROW_STRIDE + c]);
            a08 = x0.fma(b, a08);
            a18 = x1.fma(b, a18);
            b = FloatVector.broadcast(F, w[9 * ROW_STRIDE + c]);
            a09 = x0.fma(b, a09);
            a19 = x1.fma(b, a19);
            b = FloatVector.broadcast(F, w[10 * ROW_STRIDE + c]);
            a0a = x0.fma(b, a0a);
            a1a = x1.fma(b, a1a);
            b = FloatVector.broadcast(F, w[11 * ROW_STRIDE + c]);
            a0b = x0.fma(b, a0b);
            a1b = x1.fma(b, a1b);
        }
        a00.intoArray(sums, at);
        a10.intoArray(sums, at + 0 + L);
        a01.intoArray(sums, at + TOKENS);
        a11.intoArray(sums, at + TOKENS + L);
        a02.intoArray(sums, at + 2 * TOKENS);
        a12.intoArray(sums, at + 2 * TOKENS + L);
        a03.intoArray(sums, at + 3 * TOKENS);
        a13.intoArray(sums, at + 3 * TOKENS + L);
        a04.intoArray(sums, at + 4 * TOKENS);
        a14.intoArray(sums, at + 4 * TOKENS + L);
        a05.intoArray(sums, at + 5 * TOKENS);
        a15.intoArray(sums, at + 5 * TOKENS + L);
        a06.intoArray(sums, at + 6 * TOKENS);
        a16.intoArray(sums, at + 6 * TOKENS + L);
        a07.intoArray(sums, at + 7 * TOKENS);
        a17.intoArray(sums, at + 7 * TOKENS + L);
        a08.intoArray(sums, at + 8 * TOKENS);
        a18.intoArray(sums, at + 8 * TOKENS + L);
        a09.intoArray(sums, at + 9 * TOKENS);
        a19.intoArray(sums, at + 9 * TOKENS + L);
        a0a.intoArray(sums, at + 10 * TOKENS);
        a1a.intoArray(sums, at + 10 * TOKENS + L);
        a0b.intoArray(sums, at + 11 * TOKENS);
        a1b.intoArray(sums, at + 11 * TOKENS + L);
    }

    /** 4 rows: 8 accumulators, for 16 vector registers (AVX2). */
    private static void accumulate4(float[] w, float[] x, int xPanel, int kc, float[] sums, int at,
                                     boolean carry) {
        FloatVector a00 = start(sums, at, carry);
        FloatVector a01 = start(sums, at + TOKENS, carry);
        FloatVector a02 = start(sums, at + 2 * TOKENS, carry);
        FloatVector a03 = start(sums, at + 3 * TOKENS, carry);
        FloatVector a10 = start(sums, at + L, carry);
        FloatVector a11 = start(sums, at + TOKENS + L, carry);
        FloatVector a12 = start(sums, at + 2 * TOKENS + L, carry);
        FloatVector a13 = start(sums, at + 3 * TOKENS + L, carry);
        for (int c = 0; c < kc; c++) {
            int xc = xPanel + c * TOKENS;
            FloatVector x0 = FloatVector.fromArray(F, x, xc);
            FloatVector x1 = FloatVector.fromArray(F, x, xc + L);
            FloatVector b = FloatVector.broadcast(F, w[c]);
            a00 = x0.fma(b, a00);
            a10 = x1.fma(b, a10);
            b = FloatVector.broadcast(F, w[ROW_STRIDE + c]);
            a01 = x0.fma(b, a01);
            a11 = x1.fma(b, a11);
            b = FloatVector.broadcast(F, w[2 * ROW_STRIDE + c]);
            a02 = x0.fma(b, a02);
            a12 = x1.fma(b, a12);
            b = FloatVector.broadcast(F, w[3 * ROW_STRIDE + c]);
            a03 = x0.fma(b, a03);
            a13 = x1.fma(b, a13);
        }
        a00.intoArray(sums, at);
        a10.intoArray(sums, at + L);
        a01.intoArray(sums, at + TOKENS);
        a11.intoArray(sums, at + TOKENS + L);
        a02.intoArray(sums, at + 2 * TOKENS);
        a12.intoArray(sums, at + 2 * TOKENS + L);
        a03.intoArray(sums, at + 3 * TOKENS);
        a13.intoArray(sums, at + 3 * TOKENS + L);
    }
}
