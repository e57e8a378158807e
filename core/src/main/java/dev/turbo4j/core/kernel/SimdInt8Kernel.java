package dev.turbo4j.core.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * SIMD kernel for {@link Int8ChannelWeight}: one byte-vector load gives a float vector of
 * consecutive columns (sign-extended and converted in registers); the sum of q · x is scaled
 * by the row's scale once at the end.
 *
 * <p>Same paths as {@link SimdInt4Kernel}: a fused GEMV for fewer than 4 tokens; up to 31, rows
 * widened once per token block into F32 scratch and the 4 × 4 tile of {@link WidenedTiles} —
 * the same per-(row, token) order, so decode results are batch invariant; from 32 tokens,
 * {@link PanelGemm} on widened row panels, the sums scaled per row at the end.
 */
final class SimdInt8Kernel implements Int8Kernel {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final int L = F.length();
    /**
     * Bytes loaded per step: L bytes (one float vector's worth) where such a species exists
     * (512 and 256 bits), else 8 (two parts at 128 bits). Converting a whole-width byte
     * vector part by part is much slower: C2 extracts each part separately.
     */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    private static final int PARTS = B.length() / L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @Override
    public void multiply(Int8ChannelWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        int rows = w.rows();
        int cols = w.cols();
        Objects.checkFromToIndex(rowStart, rowEnd, rows);
        Objects.checkFromIndexSize(0, (long) tokens * cols, x.length);
        Objects.checkFromIndexSize(0, (long) tokens * rows, y.length);
        if (rowStart == rowEnd || tokens == 0) {
            return;
        }
        WidenedTiles.Scratch scratch = WidenedTiles.Scratch.current();
        float[] sums = scratch.sums;
        if (tokens < WidenedTiles.TOKENS) {
            // Tile rows a quarter of the range apart: four long sequential streams, which the
            // prefetcher keeps ahead of the loads, where four adjacent rows are four short ones.
            int step = (rowEnd - rowStart) / WidenedTiles.ROWS;
            for (int r = rowStart; r < rowStart + step; r++) {
                for (int t = 0; t < tokens; t++) {
                    gemvTile(w, r, step, WidenedTiles.ROWS, x, t * cols, scratch);
                    store(w, sums, 0, y, t * rows, r, step, WidenedTiles.ROWS);
                }
            }
            int rest = rowStart + WidenedTiles.ROWS * step;
            if (rest < rowEnd) {
                for (int t = 0; t < tokens; t++) {
                    gemvTile(w, rest, 1, rowEnd - rest, x, t * cols, scratch);
                    store(w, sums, 0, y, t * rows, rest, 1, rowEnd - rest);
                }
            }
            return;
        }
        if (tokens >= PanelGemm.MIN_TOKENS) {
            PanelGemm.multiply((row0, rowCount, k0, kc, panel, stride) -> packRows(w, row0, rowCount, k0, kc, panel, stride),
                    false, rows, cols, x, tokens, y, rowStart, rowEnd);
            for (int t = 0; t < tokens; t++) {
                for (int r = rowStart; r < rowEnd; r++) {
                    y[t * rows + r] *= w.scale(r);
                }
            }
            return;
        }
        float[] widened = scratch.rows(cols);
        int block = WidenedTiles.tokenBlock(cols);
        for (int t0 = 0; t0 < tokens; t0 += block) {
            int t1 = Math.min(tokens, t0 + block);
            for (int r = rowStart; r < rowEnd; r += WidenedTiles.ROWS) {
                int rowCount = Math.min(WidenedTiles.ROWS, rowEnd - r);
                widenRows(w, r, rowCount, widened);
                int t = t0;
                for (; t + WidenedTiles.TOKENS <= t1; t += WidenedTiles.TOKENS) {
                    WidenedTiles.rows4Tokens4(widened, cols, x, t * cols, sums, scratch.accumulators);
                    for (int j = 0; j < WidenedTiles.TOKENS; j++) {
                        store(w, sums, j * WidenedTiles.ROWS, y, (t + j) * rows, r, 1, rowCount);
                    }
                }
                for (; t < t1; t++) {
                    WidenedTiles.rows4Token1(widened, cols, x, t * cols, sums, scratch.accumulators);
                    store(w, sums, 0, y, t * rows, r, 1, rowCount);
                }
            }
        }
    }

    /** y[yRow0 + r + i step] = sums[from + i] · scale(r + i step). */
    private static void store(Int8ChannelWeight w, float[] sums, int from, float[] y, int yRow0, int r, int step,
                              int rowCount) {
        for (int i = 0; i < rowCount; i++) {
            y[yRow0 + r + i * step] = sums[from + i] * w.scale(r + i * step);
        }
    }

    private static FloatVector part(ByteVector b, int p) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, F, p);
    }

    /** sums[i] = Σ q[row0 + i step][c] · x[xOff + c] (unscaled) for 4 rows, the last repeated. */
    private static void gemvTile(Int8ChannelWeight w, int row0, int step, int rowCount, float[] x, int xOff,
                                 WidenedTiles.Scratch scratch) {
        MemorySegment q = w.q();
        int cols = w.cols();
        int last = rowCount - 1;
        long b0 = (long) row0 * cols;
        long b1 = (long) (row0 + Math.min(1, last) * step) * cols;
        long b2 = (long) (row0 + Math.min(2, last) * step) * cols;
        long b3 = (long) (row0 + Math.min(3, last) * step) * cols;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int c = 0; c < cols; c += B.length()) {
            ByteVector q0 = ByteVector.fromMemorySegment(B, q, b0 + c, LE);
            ByteVector q1 = ByteVector.fromMemorySegment(B, q, b1 + c, LE);
            ByteVector q2 = ByteVector.fromMemorySegment(B, q, b2 + c, LE);
            ByteVector q3 = ByteVector.fromMemorySegment(B, q, b3 + c, LE);
            for (int p = 0; p < PARTS; p++) {
                FloatVector xv = FloatVector.fromArray(F, x, xOff + c + p * L);
                a0 = part(q0, p).fma(xv, a0);
                a1 = part(q1, p).fma(xv, a1);
                a2 = part(q2, p).fma(xv, a2);
                a3 = part(q3, p).fma(xv, a3);
            }
        }
        // Through memory: see WidenedTiles.sum4.
        a0.intoArray(scratch.accumulators, 0);
        a1.intoArray(scratch.accumulators, L);
        a2.intoArray(scratch.accumulators, 2 * L);
        a3.intoArray(scratch.accumulators, 3 * L);
        WidenedTiles.sum4(scratch.accumulators, 0, scratch.sums, 0);
    }

    /** A {@link PanelGemm} row panel: rows row0 .. row0 + rowCount, columns [k0, k0 + kc), unscaled. */
    private static void packRows(Int8ChannelWeight w, int row0, int rowCount, int k0, int kc, float[] panel,
                                 int stride) {
        MemorySegment q = w.q();
        for (int i = 0; i < rowCount; i++) {
            long base = (long) (row0 + i) * w.cols();
            int out = i * stride - k0;
            for (int c = k0; c < k0 + kc; c += B.length()) {
                ByteVector b = ByteVector.fromMemorySegment(B, q, base + c, LE);
                for (int p = 0; p < PARTS; p++) {
                    part(b, p).intoArray(panel, out + c + p * L);
                }
            }
        }
    }

    /** Rows row0.. (4, the last repeated) as floats, unscaled, into dst[i * cols ..]. */
    private static void widenRows(Int8ChannelWeight w, int row0, int rowCount, float[] dst) {
        MemorySegment q = w.q();
        int cols = w.cols();
        for (int i = 0; i < WidenedTiles.ROWS; i++) {
            long base = (long) (row0 + Math.min(i, rowCount - 1)) * cols;
            int out = i * cols;
            for (int c = 0; c < cols; c += B.length()) {
                ByteVector b = ByteVector.fromMemorySegment(B, q, base + c, LE);
                for (int p = 0; p < PARTS; p++) {
                    part(b, p).intoArray(dst, out + c + p * L);
                }
            }
        }
    }
}
