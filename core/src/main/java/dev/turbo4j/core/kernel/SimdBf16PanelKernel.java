package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * SIMD kernel for {@link Bf16PanelWeight}. Per pair of columns a panel is one int-vector load,
 * widened into the even and odd column's weights for its P rows; each token's two activations
 * are broadcast and FMA'd into the token's accumulator, whose lanes are the P outputs.
 *
 * <p>One token (decode) runs four panels side by side: four independent FMA chains and four
 * sequential read streams. More tokens run a register tile of one panel by {@link #GROUP}
 * tokens (a short last group is padded with zero tokens), over blocks of columns and tokens
 * sized for L2, the sums carried across the column blocks in a scratch array. Either way each
 * output is the FMA chain over k in order that {@link ScalarBf16PanelKernel} computes.
 */
final class SimdBf16PanelKernel implements Bf16PanelKernel {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Bytes of one column pair of a panel. */
    private static final long PAIR_BYTES = (long) L * Integer.BYTES;

    /** Tokens per register tile: 8 accumulators, 16 broadcasts and 2 widenings per 16 FMAs. */
    static final int GROUP = 8;
    /** Tokens per block: the block's activations for one column block (512 KB) stay in L2. */
    static final int TOKEN_BLOCK = 128;
    /** Column pairs per block (1,024 columns): a panel's block (32 KB at 512 bits) stays in L1 across the groups. */
    static final int PAIR_BLOCK = 512;
    /** Panels per chunk: the carried sums of a chunk (512 KB at 128 tokens) stay in L2. */
    static final int CHUNK_PANELS = 64;

    @Override
    public void multiply(Bf16PanelWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        int rows = w.rows();
        int cols = w.cols();
        Objects.checkFromToIndex(rowStart, rowEnd, rows);
        Objects.checkFromIndexSize(0, (long) tokens * cols, x.length);
        Objects.checkFromIndexSize(0, (long) tokens * rows, y.length);
        if (rowStart == rowEnd || tokens == 0) {
            return;
        }
        int p0 = rowStart / L;
        int p1 = (rowEnd + L - 1) / L;
        if (tokens == 1) {
            gemv(w, x, y, p0, p1, rowStart, rowEnd);
        } else {
            gemm(w, x, tokens, y, p0, p1, rowStart, rowEnd);
        }
    }

    private static void gemv(Bf16PanelWeight w, float[] x, float[] y, int p0, int p1, int rowStart, int rowEnd) {
        MemorySegment m = w.panels();
        long panelBytes = Bf16PanelWeight.panelBytes(w.cols());
        int pairs = w.cols() / 2;
        int p = p0;
        for (; p + 4 <= p1; p += 4) {
            long b0 = p * panelBytes;
            long b1 = b0 + panelBytes;
            long b2 = b1 + panelBytes;
            long b3 = b2 + panelBytes;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            for (int j = 0; j < pairs; j++) {
                long at = j * PAIR_BYTES;
                FloatVector xe = FloatVector.broadcast(F, x[2 * j]);
                FloatVector xo = FloatVector.broadcast(F, x[2 * j + 1]);
                IntVector q0 = IntVector.fromMemorySegment(I, m, b0 + at, LE);
                IntVector q1 = IntVector.fromMemorySegment(I, m, b1 + at, LE);
                IntVector q2 = IntVector.fromMemorySegment(I, m, b2 + at, LE);
                IntVector q3 = IntVector.fromMemorySegment(I, m, b3 + at, LE);
                a0 = Bf16DenseKernel.odds(q0).fma(xo, Bf16DenseKernel.evens(q0).fma(xe, a0));
                a1 = Bf16DenseKernel.odds(q1).fma(xo, Bf16DenseKernel.evens(q1).fma(xe, a1));
                a2 = Bf16DenseKernel.odds(q2).fma(xo, Bf16DenseKernel.evens(q2).fma(xe, a2));
                a3 = Bf16DenseKernel.odds(q3).fma(xo, Bf16DenseKernel.evens(q3).fma(xe, a3));
            }
            store(a0, y, 0, p, rowStart, rowEnd);
            store(a1, y, 0, p + 1, rowStart, rowEnd);
            store(a2, y, 0, p + 2, rowStart, rowEnd);
            store(a3, y, 0, p + 3, rowStart, rowEnd);
        }
        for (; p < p1; p++) {
            long b = p * panelBytes;
            FloatVector a = FloatVector.zero(F);
            for (int j = 0; j < pairs; j++) {
                IntVector q = IntVector.fromMemorySegment(I, m, b + j * PAIR_BYTES, LE);
                a = Bf16DenseKernel.odds(q).fma(FloatVector.broadcast(F, x[2 * j + 1]),
                        Bf16DenseKernel.evens(q).fma(FloatVector.broadcast(F, x[2 * j]), a));
            }
            store(a, y, 0, p, rowStart, rowEnd);
        }
    }

    private static void gemm(Bf16PanelWeight w, float[] x, int tokens, float[] y, int p0, int p1, int rowStart,
                             int rowEnd) {
        MemorySegment m = w.panels();
        int rows = w.rows();
        int cols = w.cols();
        int pairs = cols / 2;
        long panelBytes = Bf16PanelWeight.panelBytes(cols);
        KernelScratch scratch = KernelScratch.current();
        int blockGroups = (Math.min(tokens, TOKEN_BLOCK) + GROUP - 1) / GROUP;
        float[] sums = scratch.tileSums(Math.min(CHUNK_PANELS, p1 - p0) * blockGroups * GROUP * L);
        for (int t0 = 0; t0 < tokens; t0 += TOKEN_BLOCK) {
            int n = Math.min(TOKEN_BLOCK, tokens - t0);
            int groups = (n + GROUP - 1) / GROUP;
            float[] xp = packTokens(x, cols, t0, n, scratch.tokenPanels(groups * GROUP * cols));
            for (int c0 = p0; c0 < p1; c0 += CHUNK_PANELS) {
                int c1 = Math.min(p1, c0 + CHUNK_PANELS);
                for (int j0 = 0; j0 < pairs; j0 += PAIR_BLOCK) {
                    int j1 = Math.min(pairs, j0 + PAIR_BLOCK);
                    for (int p = c0; p < c1; p += 2) {
                        int panelsHere = Math.min(2, c1 - p);
                        for (int g = 0; g < groups; g++) {
                            if (panelsHere == 2) {
                                accumulate2x8(m, p * panelBytes, panelBytes, j0, j1, xp, g * GROUP * cols, sums,
                                        slot(p - c0, g, groups), slot(p + 1 - c0, g, groups), j0 > 0);
                            } else {
                                accumulate8(m, p * panelBytes, j0, j1, xp, g * GROUP * cols, sums,
                                        slot(p - c0, g, groups), j0 > 0);
                            }
                        }
                        if (j1 == pairs) {
                            for (int q = 0; q < panelsHere; q++) {
                                for (int g = 0; g < groups; g++) {
                                    int at = slot(p + q - c0, g, groups);
                                    int count = Math.min(GROUP, n - g * GROUP);
                                    for (int t = 0; t < count; t++) {
                                        store(FloatVector.fromArray(F, sums, at + t * L), y, (t0 + g * GROUP + t) * rows,
                                                p + q, rowStart, rowEnd);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Where the carried sums of (panel i of the chunk, token group g) start: GROUP vectors. */
    private static int slot(int i, int g, int groups) {
        return (i * groups + g) * GROUP * L;
    }

    /**
     * Tokens [t0, t0 + n) of x interleaved by groups of {@link #GROUP}: column k of token
     * g GROUP + t at {@code (g cols + k) GROUP + t}, zero for the missing tokens of a short last
     * group. The tile then reaches its 16 activations per column pair at constant offsets from
     * one index, where 8 rows of x took 8 index registers (and spilled).
     */
    private static float[] packTokens(float[] x, int cols, int t0, int n, float[] xp) {
        int groups = (n + GROUP - 1) / GROUP;
        for (int g = 0; g < groups; g++) {
            for (int t = 0; t < GROUP; t++) {
                int token = g * GROUP + t;
                int dst = g * GROUP * cols + t;
                if (token >= n) {
                    for (int k = 0; k < cols; k++) {
                        xp[dst + k * GROUP] = 0f;
                    }
                    continue;
                }
                int src = (t0 + token) * cols;
                for (int k = 0; k < cols; k++) {
                    xp[dst + k * GROUP] = x[src + k];
                }
            }
        }
        return xp;
    }

    /**
     * The register tile: for the 8 tokens of the group at xp[xOff ..] (see {@link #packTokens})
     * and column pairs [j0, j1) of the panel at byte {@code panel}, sums[at + t L ..] (+)= that
     * part of the panel's products, adding to the sums there when {@code carry} is set.
     */
    private static void accumulate8(MemorySegment m, long panel, int j0, int j1, float[] xp, int xOff, float[] sums,
                                    int at, boolean carry) {
        FloatVector a0 = PanelGemm.start(sums, at, carry), a1 = PanelGemm.start(sums, at + L, carry);
        FloatVector a2 = PanelGemm.start(sums, at + 2 * L, carry), a3 = PanelGemm.start(sums, at + 3 * L, carry);
        FloatVector a4 = PanelGemm.start(sums, at + 4 * L, carry), a5 = PanelGemm.start(sums, at + 5 * L, carry);
        FloatVector a6 = PanelGemm.start(sums, at + 6 * L, carry), a7 = PanelGemm.start(sums, at + 7 * L, carry);
        for (int j = j0; j < j1; j++) {
            IntVector q = IntVector.fromMemorySegment(I, m, panel + j * PAIR_BYTES, LE);
            FloatVector we = Bf16DenseKernel.evens(q);
            FloatVector wo = Bf16DenseKernel.odds(q);
            int e = xOff + 2 * GROUP * j;
            int o = e + GROUP;
            a0 = wo.fma(FloatVector.broadcast(F, xp[o]), we.fma(FloatVector.broadcast(F, xp[e]), a0));
            a1 = wo.fma(FloatVector.broadcast(F, xp[o + 1]), we.fma(FloatVector.broadcast(F, xp[e + 1]), a1));
            a2 = wo.fma(FloatVector.broadcast(F, xp[o + 2]), we.fma(FloatVector.broadcast(F, xp[e + 2]), a2));
            a3 = wo.fma(FloatVector.broadcast(F, xp[o + 3]), we.fma(FloatVector.broadcast(F, xp[e + 3]), a3));
            a4 = wo.fma(FloatVector.broadcast(F, xp[o + 4]), we.fma(FloatVector.broadcast(F, xp[e + 4]), a4));
            a5 = wo.fma(FloatVector.broadcast(F, xp[o + 5]), we.fma(FloatVector.broadcast(F, xp[e + 5]), a5));
            a6 = wo.fma(FloatVector.broadcast(F, xp[o + 6]), we.fma(FloatVector.broadcast(F, xp[e + 6]), a6));
            a7 = wo.fma(FloatVector.broadcast(F, xp[o + 7]), we.fma(FloatVector.broadcast(F, xp[e + 7]), a7));
        }
        a0.intoArray(sums, at);
        a1.intoArray(sums, at + L);
        a2.intoArray(sums, at + 2 * L);
        a3.intoArray(sums, at + 3 * L);
        a4.intoArray(sums, at + 4 * L);
        a5.intoArray(sums, at + 5 * L);
        a6.intoArray(sums, at + 6 * L);
        a7.intoArray(sums, at + 7 * L);
    }

    /**
     * {@link #accumulate8} for two panels (the second {@code panelBytes} after the first) at
     * once, the second's sums at {@code bt}: 16 independent FMA chains, which keep both FMA ports
     * busy where 8 chains of two dependent FMAs per column pair wait on their latency.
     */
    private static void accumulate2x8(MemorySegment m, long panel, long panelBytes, int j0, int j1, float[] xp,
                                      int xOff, float[] sums, int at, int bt, boolean carry) {
        FloatVector a0 = PanelGemm.start(sums, at, carry), a1 = PanelGemm.start(sums, at + L, carry);
        FloatVector a2 = PanelGemm.start(sums, at + 2 * L, carry), a3 = PanelGemm.start(sums, at + 3 * L, carry);
        FloatVector a4 = PanelGemm.start(sums, at + 4 * L, carry), a5 = PanelGemm.start(sums, at + 5 * L, carry);
        FloatVector a6 = PanelGemm.start(sums, at + 6 * L, carry), a7 = PanelGemm.start(sums, at + 7 * L, carry);
        FloatVector b0 = PanelGemm.start(sums, bt, carry), b1 = PanelGemm.start(sums, bt + L, carry);
        FloatVector b2 = PanelGemm.start(sums, bt + 2 * L, carry), b3 = PanelGemm.start(sums, bt + 3 * L, carry);
        FloatVector b4 = PanelGemm.start(sums, bt + 4 * L, carry), b5 = PanelGemm.start(sums, bt + 5 * L, carry);
        FloatVector b6 = PanelGemm.start(sums, bt + 6 * L, carry), b7 = PanelGemm.start(sums, bt + 7 * L, carry);
        long second = panel + panelBytes;
        for (int j = j0; j < j1; j++) {
            IntVector q = IntVector.fromMemorySegment(I, m, panel + j * PAIR_BYTES, LE);
            IntVector r = IntVector.fromMemorySegment(I, m, second + j * PAIR_BYTES, LE);
            FloatVector we = Bf16DenseKernel.evens(q), wo = Bf16DenseKernel.odds(q);
            FloatVector ve = Bf16DenseKernel.evens(r), vo = Bf16DenseKernel.odds(r);
            int e = xOff + 2 * GROUP * j;
            int o = e + GROUP;
            FloatVector xe = FloatVector.broadcast(F, xp[e]), xo = FloatVector.broadcast(F, xp[o]);
            a0 = wo.fma(xo, we.fma(xe, a0));
            b0 = vo.fma(xo, ve.fma(xe, b0));
            xe = FloatVector.broadcast(F, xp[e + 1]);
            xo = FloatVector.broadcast(F, xp[o + 1]);
            a1 = wo.fma(xo, we.fma(xe, a1));
            b1 = vo.fma(xo, ve.fma(xe, b1));
            xe = FloatVector.broadcast(F, xp[e + 2]);
            xo = FloatVector.broadcast(F, xp[o + 2]);
            a2 = wo.fma(xo, we.fma(xe, a2));
            b2 = vo.fma(xo, ve.fma(xe, b2));
            xe = FloatVector.broadcast(F, xp[e + 3]);
            xo = FloatVector.broadcast(F, xp[o + 3]);
            a3 = wo.fma(xo, we.fma(xe, a3));
            b3 = vo.fma(xo, ve.fma(xe, b3));
            xe = FloatVector.broadcast(F, xp[e + 4]);
            xo = FloatVector.broadcast(F, xp[o + 4]);
            a4 = wo.fma(xo, we.fma(xe, a4));
            b4 = vo.fma(xo, ve.fma(xe, b4));
            xe = FloatVector.broadcast(F, xp[e + 5]);
            xo = FloatVector.broadcast(F, xp[o + 5]);
            a5 = wo.fma(xo, we.fma(xe, a5));
            b5 = vo.fma(xo, ve.fma(xe, b5));
            xe = FloatVector.broadcast(F, xp[e + 6]);
            xo = FloatVector.broadcast(F, xp[o + 6]);
            a6 = wo.fma(xo, we.fma(xe, a6));
            b6 = vo.fma(xo, ve.fma(xe, b6));
            xe = FloatVector.broadcast(F, xp[e + 7]);
            xo = FloatVector.broadcast(F, xp[o + 7]);
            a7 = wo.fma(xo, we.fma(xe, a7));
            b7 = vo.fma(xo, ve.fma(xe, b7));
        }
        a0.intoArray(sums, at);
        a1.intoArray(sums, at + L);
        a2.intoArray(sums, at + 2 * L);
        a3.intoArray(sums, at + 3 * L);
        a4.intoArray(sums, at + 4 * L);
        a5.intoArray(sums, at + 5 * L);
        a6.intoArray(sums, at + 6 * L);
        a7.intoArray(sums, at + 7 * L);
        b0.intoArray(sums, bt);
        b1.intoArray(sums, bt + L);
        b2.intoArray(sums, bt + 2 * L);
        b3.intoArray(sums, bt + 3 * L);
        b4.intoArray(sums, bt + 4 * L);
        b5.intoArray(sums, bt + 5 * L);
        b6.intoArray(sums, bt + 6 * L);
        b7.intoArray(sums, bt + 7 * L);
    }

    /** Panel p's outputs for one token into y[yRow0 + r], for its rows r inside [rowStart, rowEnd). */
    private static void store(FloatVector a, float[] y, int yRow0, int p, int rowStart, int rowEnd) {
        int r0 = p * L;
        if (r0 >= rowStart && r0 + L <= rowEnd) {
            a.intoArray(y, yRow0 + r0);
            return;
        }
        for (int r = Math.max(rowStart, r0); r < Math.min(rowEnd, r0 + L); r++) {
            y[yRow0 + r] = a.lane(r - r0);
        }
    }
}
