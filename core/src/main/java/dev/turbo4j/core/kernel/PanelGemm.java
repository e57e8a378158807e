package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of the GEMM path: an outer product of {@link #ROWS} weight rows (two
 * vectors' worth) by {@link #TOKENS} tokens, accumulated over a block of columns in 12
 * vector registers that are never reduced horizontally.
 *
 * <p>Both operands are packed column by column. A row panel holds, for each column c of
 * the block, the ROWS weights W[row0 .. row0 + ROWS, c] (F32, zero past the last row); a
 * token panel holds the TOKENS activations x[t0 .. t0 + TOKENS, c] (zero past the last
 * token). Per column the tile loads two weight vectors, broadcasts six activations and
 * issues twelve FMAs, which keeps the FMA ports busy rather than the load ports or the
 * shuffles a dot-product tile spends on its reductions.
 */
final class PanelGemm {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final int L = SimdSpecies.FLOAT_LANES;

    /** Weight rows per tile: two vectors. */
    static final int ROWS = 2 * L;
    /** Tokens per tile. */
    static final int TOKENS = 6;
    /** Columns per block: a row panel of ROWS × COLUMNS floats (32 KB at 512 bits) stays in L1. */
    static final int COLUMNS = 256;

    private PanelGemm() {
    }

    /** Number of token panels for tokens tokens. */
    static int tokenPanels(int tokens) {
        return (tokens + TOKENS - 1) / TOKENS;
    }

    /**
     * Packs columns [k0, k0 + kc) of every token of x (token t at t * cols) into token panels,
     * panel p at p * kc * TOKENS.
     */
    static void packTokens(float[] x, int cols, int tokens, int k0, int kc, float[] dst) {
        int panels = tokenPanels(tokens);
        for (int p = 0; p < panels; p++) {
            int panel = p * kc * TOKENS;
            for (int j = 0; j < TOKENS; j++) {
                int t = p * TOKENS + j;
                if (t < tokens) {
                    int src = t * cols + k0;
                    for (int c = 0; c < kc; c++) {
                        dst[panel + c * TOKENS + j] = x[src + c];
                    }
                } else {
                    for (int c = 0; c < kc; c++) {
                        dst[panel + c * TOKENS + j] = 0f;
                    }
                }
            }
        }
    }

    /**
     * y[yOff + j * rows + i] += sum_c w[c * ROWS + i] * x[xPanel + c * TOKENS + j] over the kc
     * columns, for the rowCount real rows i and tokenCount real tokens j. sums is a scratch
     * array of at least ROWS * TOKENS floats.
     */
    static void multiplyAdd(float[] w, float[] x, int xPanel, int kc, float[] sums, float[] y, int yOff, int rows,
                            int rowCount, int tokenCount) {
        accumulate(w, x, xPanel, kc, sums);
        for (int j = 0; j < tokenCount; j++) {
            int at = yOff + j * rows;
            for (int i = 0; i < rowCount; i++) {
                y[at + i] += sums[j * ROWS + i];
            }
        }
    }

    /**
     * sums[j * ROWS + i] = sum_c w[c * ROWS + i] * x[xPanel + c * TOKENS + j]. Kept apart from
     * the masked or scalar update of y: C2 inlines vector code up to a node budget, and a
     * vector op left out of line boxes its operands on every loop iteration.
     */
    private static void accumulate(float[] w, float[] x, int xPanel, int kc, float[] sums) {
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F);
        FloatVector a03 = FloatVector.zero(F), a04 = FloatVector.zero(F), a05 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F);
        FloatVector a13 = FloatVector.zero(F), a14 = FloatVector.zero(F), a15 = FloatVector.zero(F);
        for (int c = 0; c < kc; c++) {
            FloatVector w0 = FloatVector.fromArray(F, w, c * ROWS);
            FloatVector w1 = FloatVector.fromArray(F, w, c * ROWS + L);
            int xc = xPanel + c * TOKENS;
            FloatVector b = FloatVector.broadcast(F, x[xc]);
            a00 = w0.fma(b, a00);
            a10 = w1.fma(b, a10);
            b = FloatVector.broadcast(F, x[xc + 1]);
            a01 = w0.fma(b, a01);
            a11 = w1.fma(b, a11);
            b = FloatVector.broadcast(F, x[xc + 2]);
            a02 = w0.fma(b, a02);
            a12 = w1.fma(b, a12);
            b = FloatVector.broadcast(F, x[xc + 3]);
            a03 = w0.fma(b, a03);
            a13 = w1.fma(b, a13);
            b = FloatVector.broadcast(F, x[xc + 4]);
            a04 = w0.fma(b, a04);
            a14 = w1.fma(b, a14);
            b = FloatVector.broadcast(F, x[xc + 5]);
            a05 = w0.fma(b, a05);
            a15 = w1.fma(b, a15);
        }
        a00.intoArray(sums, 0);
        a10.intoArray(sums, L);
        a01.intoArray(sums, ROWS);
        a11.intoArray(sums, ROWS + L);
        a02.intoArray(sums, 2 * ROWS);
        a12.intoArray(sums, 2 * ROWS + L);
        a03.intoArray(sums, 3 * ROWS);
        a13.intoArray(sums, 3 * ROWS + L);
        a04.intoArray(sums, 4 * ROWS);
        a14.intoArray(sums, 4 * ROWS + L);
        a05.intoArray(sums, 5 * ROWS);
        a15.intoArray(sums, 5 * ROWS + L);
    }
}
