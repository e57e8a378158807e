package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * SIMD kernel for {@link Int4GroupWeight}. A weight vector of L consecutive columns is one
 * int-vector load, a shift, a mask and a conversion; it is dequantized exactly with one FMA,
 * {@code q · scale + (−zero · scale)}, and stays 4-bit in memory.
 *
 * <p>Fewer than 4 tokens (decode) take the fused GEMV path: 4 rows at a time are unpacked in
 * registers and multiplied with each token while the packed bytes are in L1. More tokens
 * (prefill, batched decode) take the GEMM path: tokens in L2-sized blocks; per block, each
 * 4-row tile is dequantized once into F32 scratch and runs the 4 × 4 register tile of
 * {@link WidenedTiles}. Both paths add the same exact weights in the same order for every
 * (row, token), so results do not depend on the batch.
 */
final class SimdInt4Kernel implements Int4Kernel {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final int L = F.length();
    /** Int vectors per 16-word chunk row: 1 at 512 bits, 2 at 256, 4 at 128. */
    private static final int VECTORS_PER_CHUNK = 16 / L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @Override
    public void multiply(Int4GroupWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        int rows = w.rows();
        int cols = w.cols();
        Objects.checkFromToIndex(rowStart, rowEnd, rows);
        Objects.checkFromIndexSize(0, (long) tokens * cols, x.length);
        Objects.checkFromIndexSize(0, (long) tokens * rows, y.length);
        if (rowStart == rowEnd || tokens == 0) {
            return;
        }
        WidenedTiles.Scratch scratch = WidenedTiles.Scratch.current();
        if (tokens < WidenedTiles.TOKENS) {
            for (int r = rowStart; r < rowEnd; r += WidenedTiles.ROWS) {
                int rowCount = Math.min(WidenedTiles.ROWS, rowEnd - r);
                for (int t = 0; t < tokens; t++) {
                    gemvTile(w, r, rowCount, x, t * cols, scratch);
                    store(scratch.sums, 0, y, t * rows + r, rowCount);
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
                dequantizeRows(w, r, rowCount, widened);
                int t = t0;
                for (; t + WidenedTiles.TOKENS <= t1; t += WidenedTiles.TOKENS) {
                    WidenedTiles.rows4Tokens4(widened, cols, x, t * cols, scratch.sums, scratch.lanes);
                    for (int j = 0; j < WidenedTiles.TOKENS; j++) {
                        store(scratch.sums, j * WidenedTiles.ROWS, y, (t + j) * rows + r, rowCount);
                    }
                }
                for (; t < t1; t++) {
                    WidenedTiles.rows4Token1(widened, cols, x, t * cols, scratch.sums, scratch.lanes);
                    store(scratch.sums, 0, y, t * rows + r, rowCount);
                }
            }
        }
    }

    private static void store(float[] sums, int from, float[] y, int yOff, int rowCount) {
        System.arraycopy(sums, from, y, yOff, rowCount);
    }

    /** q · s + m for the L columns whose nibbles sit at {@code shift} in the words at {@code offset}. */
    private static FloatVector dequantize(MemorySegment packed, long offset, int shift, FloatVector s, FloatVector m) {
        IntVector q = IntVector.fromMemorySegment(I, packed, offset, LE).lanewise(VectorOperators.LSHR, shift).and(0xF);
        return ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s, m);
    }

    /**
     * sums[i] = row (row0 + i) · x[xOff ..) for 4 rows (a partial tile repeats its last row),
     * unpacking in registers; columns in order c = 16 j + h L within each chunk.
     */
    private static void gemvTile(Int4GroupWeight w, int row0, int rowCount, float[] x, int xOff,
                                 WidenedTiles.Scratch scratch) {
        MemorySegment packed = w.packed();
        int last = rowCount - 1;
        int r0 = row0;
        int r1 = row0 + Math.min(1, last);
        int r2 = row0 + Math.min(2, last);
        int r3 = row0 + Math.min(3, last);
        long rowBytes = w.cols() / 2;
        long b0 = r0 * rowBytes;
        long b1 = r1 * rowBytes;
        long b2 = r2 * rowBytes;
        long b3 = r3 * rowBytes;
        int chunksPerGroup = w.groupSize() / Int4GroupWeight.CHUNK;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int chunk = 0;
        for (int g = 0; g < w.groupsPerRow(); g++) {
            float sc0 = w.scale(r0, g), sc1 = w.scale(r1, g), sc2 = w.scale(r2, g), sc3 = w.scale(r3, g);
            FloatVector s0 = FloatVector.broadcast(F, sc0), m0 = FloatVector.broadcast(F, -w.zero(r0, g) * sc0);
            FloatVector s1 = FloatVector.broadcast(F, sc1), m1 = FloatVector.broadcast(F, -w.zero(r1, g) * sc1);
            FloatVector s2 = FloatVector.broadcast(F, sc2), m2 = FloatVector.broadcast(F, -w.zero(r2, g) * sc2);
            FloatVector s3 = FloatVector.broadcast(F, sc3), m3 = FloatVector.broadcast(F, -w.zero(r3, g) * sc3);
            for (int k = 0; k < chunksPerGroup; k++, chunk++) {
                long cb = (long) chunk * Int4GroupWeight.CHUNK_BYTES;
                int xc = xOff + chunk * Int4GroupWeight.CHUNK;
                for (int j = 0; j < 8; j++) {
                    int shift = 4 * j;
                    for (int h = 0; h < VECTORS_PER_CHUNK; h++) {
                        long wb = cb + (long) h * L * Integer.BYTES;
                        FloatVector xv = FloatVector.fromArray(F, x, xc + 16 * j + h * L);
                        a0 = dequantize(packed, b0 + wb, shift, s0, m0).fma(xv, a0);
                        a1 = dequantize(packed, b1 + wb, shift, s1, m1).fma(xv, a1);
                        a2 = dequantize(packed, b2 + wb, shift, s2, m2).fma(xv, a2);
                        a3 = dequantize(packed, b3 + wb, shift, s3, m3).fma(xv, a3);
                    }
                }
            }
        }
        float[] lanes = scratch.lanes;
        scratch.sums[0] = WidenedTiles.laneSum(a0, lanes);
        scratch.sums[1] = WidenedTiles.laneSum(a1, lanes);
        scratch.sums[2] = WidenedTiles.laneSum(a2, lanes);
        scratch.sums[3] = WidenedTiles.laneSum(a3, lanes);
    }

    /** Rows row0.. (4, the last repeated) dequantized into dst[i * cols ..], in column order. */
    private static void dequantizeRows(Int4GroupWeight w, int row0, int rowCount, float[] dst) {
        MemorySegment packed = w.packed();
        int cols = w.cols();
        int chunksPerGroup = w.groupSize() / Int4GroupWeight.CHUNK;
        for (int i = 0; i < WidenedTiles.ROWS; i++) {
            int r = row0 + Math.min(i, rowCount - 1);
            long rowBase = (long) r * (cols / 2);
            int out = i * cols;
            int chunk = 0;
            for (int g = 0; g < w.groupsPerRow(); g++) {
                float sc = w.scale(r, g);
                FloatVector s = FloatVector.broadcast(F, sc);
                FloatVector m = FloatVector.broadcast(F, -w.zero(r, g) * sc);
                for (int k = 0; k < chunksPerGroup; k++, chunk++) {
                    long cb = rowBase + (long) chunk * Int4GroupWeight.CHUNK_BYTES;
                    int oc = out + chunk * Int4GroupWeight.CHUNK;
                    for (int j = 0; j < 8; j++) {
                        for (int h = 0; h < VECTORS_PER_CHUNK; h++) {
                            dequantize(packed, cb + (long) h * L * Integer.BYTES, 4 * j, s, m)
                                    .intoArray(dst, oc + 16 * j + h * L);
                        }
                    }
                }
            }
        }
    }
}
