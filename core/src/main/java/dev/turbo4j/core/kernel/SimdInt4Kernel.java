package dev.turbo4j.core.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * SIMD kernel for {@link Int4GroupWeight}. A weight vector of L consecutive columns is one
 * int-vector load, a shift, a mask and a conversion; it is dequantized exactly with one FMA,
 * {@code q · scale + (−zero · scale)}, and stays 4-bit in memory.
 *
 * <p>At 512 bits, fewer than 4 tokens (decode) take the fused GEMV path: a 4-row tile at a time (its rows
 * read side by side from the layout's four planes) is unpacked in registers and multiplied with each token
 * while the packed bytes are in L1. Narrower vectors run every batch below the GEMM threshold
 * token by token through {@link FoldedInt4Tiles} (a third faster than this path at 256 bits,
 * where the 16-entry permute is missing). At 512 bits, from 4 to 31 tokens (batched decode): tokens in L2-sized
 * blocks; per block, each tile is dequantized once into F32 scratch and runs the 4 × 4
 * register tile of
 * {@link WidenedTiles}. These two paths add the same exact weights in the same order for every
 * (row, token), so decode results do not depend on the batch. Prefills of 32 tokens and more
 * dequantize row panels for {@link PanelGemm}, as the dense kernels do.
 */
final class SimdInt4Kernel implements Int4Kernel {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final int L = F.length();
    /** Int vectors per 16-word chunk row: 1 at 512 bits, 2 at 256, 4 at 128. */
    private static final int VECTORS_PER_CHUNK = 16 / L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** The tile's half scales, L at a time. */
    private static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    /** The tile's zero bytes, at least L at a time (the narrowest byte vector has 8 lanes). */
    private static final VectorSpecies<Byte> ZERO_BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final int TILE = Int4GroupWeight.TILE_ROWS;
    /** Tiles whose group parameters the GEMV path converts at a time. */
    private static final int PARAM_TILES = 16;
    /** 0, 1, .., 15 (at 512 bits, where the lookup path runs). */
    private static final FloatVector NIBBLES = FloatVector.fromArray(F, new float[] {
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0);

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
        int firstTile = rowStart / TILE;
        int endTile = (rowEnd + TILE - 1) / TILE;
        // Below 512 bits the folded tile runs every batch below the GEMM threshold token by token.
        if (tokens < (VECTORS_PER_CHUNK == 1 ? WidenedTiles.TOKENS : PanelGemm.MIN_TOKENS)) {
            multiplyByToken(w, x, tokens, y, rowStart, rowEnd, scratch);
            return;
        }
        if (tokens >= PanelGemm.MIN_TOKENS) {
            PanelGemm.multiply((row0, rowCount, k0, kc, panel, stride) -> packRows(w, row0, rowCount, k0, kc, panel, stride),
                    false, rows, cols, x, tokens, y, rowStart, rowEnd);
            return;
        }
        float[] widened = scratch.rows(cols);
        int block = WidenedTiles.tokenBlock(cols);
        for (int t0 = 0; t0 < tokens; t0 += block) {
            int t1 = Math.min(tokens, t0 + block);
            for (int tile = firstTile; tile < endTile; tile++) {
                packRows(w, tile * TILE, TILE, 0, cols, widened, cols);
                int t = t0;
                for (; t + WidenedTiles.TOKENS <= t1; t += WidenedTiles.TOKENS) {
                    WidenedTiles.rows4Tokens4(widened, cols, x, t * cols, scratch.sums, scratch.accumulators);
                    for (int j = 0; j < WidenedTiles.TOKENS; j++) {
                        store(scratch.sums, j * TILE, y, (t + j) * rows, tile, rowStart, rowEnd);
                    }
                }
                for (; t < t1; t++) {
                    WidenedTiles.rows4Token1(widened, cols, x, t * cols, scratch.sums, scratch.accumulators);
                    store(scratch.sums, 0, y, t * rows, tile, rowStart, rowEnd);
                }
            }
        }
    }

    /**
     * Each tile with one token at a time, the tile's bytes in L1 for the next token: the GEMV
     * tile at 512 bits, {@link FoldedInt4Tiles} below.
     */
    private static void multiplyByToken(Int4GroupWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd,
                                        WidenedTiles.Scratch scratch) {
        int rows = w.rows();
        int cols = w.cols();
        int groups = w.groupsPerRow();
        float[] xSums = null;
        if (VECTORS_PER_CHUNK > 1) {
            xSums = scratch.groupSums(tokens * groups);
            FoldedInt4Tiles.groupSums(x, tokens, cols, w.groupSize(), xSums);
        }
        int tileParams = groups * TILE;
        int endTile = (rowEnd + TILE - 1) / TILE;
        for (int block = rowStart / TILE; block < endTile; block += PARAM_TILES) {
            int blockEnd = Math.min(endTile, block + PARAM_TILES);
            // Here rather than in gemvTile: inlined there, its vector code would push the
            // FMA loop past C2's inlining node budget. A block of tiles at a time, so that
            // the tiles' loops run back to back rather than each waiting on its parameters.
            float[] params = groupParams(w, block, blockEnd - block, scratch);
            int n = (blockEnd - block) * tileParams;
            for (int tile = block; tile < blockEnd; tile++) {
                int at = (tile - block) * tileParams;
                for (int t = 0; t < tokens; t++) {
                    if (VECTORS_PER_CHUNK == 1) {
                        gemvTile(w, tile, params, at, n, x, t * cols, scratch);
                    } else {
                        FoldedInt4Tiles.gemvTile(w, tile, params, at, n, x, t * cols, xSums, t * groups, scratch);
                    }
                    store(scratch.sums, 0, y, t * rows, tile, rowStart, rowEnd);
                }
            }
        }
    }

    /** The tile's sums[from ..] into y[yRow0 + r] for its rows r inside [rowStart, rowEnd). */
    private static void store(float[] sums, int from, float[] y, int yRow0, int tile, int rowStart, int rowEnd) {
        int r0 = tile * TILE;
        int lo = Math.max(rowStart, r0);
        int hi = Math.min(rowEnd, r0 + TILE);
        System.arraycopy(sums, from + lo - r0, y, yRow0 + lo, hi - lo);
    }

    /** The 16 dequantized values q · s + m, q = 0..15, as float bits: a lookup table for selectFrom. */
    private static IntVector table(FloatVector s, FloatVector m) {
        return NIBBLES.fma(s, m).reinterpretAsInts();
    }

    /** q · s + m for the nibbles at {@code shift} of the words in {@code words}. */
    private static FloatVector dequantize(IntVector words, int shift, FloatVector s, FloatVector m) {
        IntVector q = words.lanewise(VectorOperators.LSHR, shift).and(0xF);
        return ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s, m);
    }

    /**
     * The scales and −zero · scale per (tile, group, row) of tiles [tile, tile + tiles):
     * {@code params[i]} and {@code params[n + i]}, i = (t groups + g) TILE + r counted from the
     * first tile, n = tiles · groups · TILE. Read outside the vector loops, which keeps those
     * loops small enough for C2 to inline every vector operation; converted L at a time (the
     * half scales widened as {@link F16DenseKernel} widens weights), since one scalar conversion
     * per 128 weights was a fifth of a hot GEMV.
     */
    private static float[] groupParams(Int4GroupWeight w, int tile, int tiles, WidenedTiles.Scratch scratch) {
        int n = tiles * w.groupsPerRow() * TILE;
        float[] params = scratch.groupParams(2 * n);
        long base = (long) tile * w.groupsPerRow() * TILE;
        MemorySegment scales = w.scales();
        MemorySegment zeros = w.zeros();
        int i = 0;
        for (; i + ZERO_BYTES.length() <= n; i += L) {
            IntVector halves = (IntVector) ShortVector.fromMemorySegment(HALVES, scales, (base + i) * 2, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            FloatVector scale = F16DenseKernel.evens(halves);
            IntVector zero = ((IntVector) ByteVector.fromMemorySegment(ZERO_BYTES, zeros, base + i, LE)
                    .convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
            scale.intoArray(params, i);
            ((FloatVector) zero.neg().convert(VectorOperators.I2F, 0)).mul(scale).intoArray(params, n + i);
        }
        for (; i < n; i++) {
            float scale = Float.float16ToFloat(scales.get(HALF, (base + i) * 2));
            params[i] = scale;
            params[n + i] = -(zeros.get(ValueLayout.JAVA_BYTE, base + i) & 0xFF) * scale;
        }
        return params;
    }

    /**
     * sums[i] = row (4 tile + i) · x[xOff ..) for the tile's 4 rows, unpacking in registers;
     * columns in order c = 16 j + h L within each chunk. Each row is read from its plane.
     */
    private static void gemvTile(Int4GroupWeight w, int tile, float[] p, int at, int n, float[] x, int xOff,
                                 WidenedTiles.Scratch scratch) {
        MemorySegment packed = w.packed();
        int cols = w.cols();
        int groups = w.groupsPerRow();
        int chunksPerGroup = w.groupSize() / Int4GroupWeight.CHUNK;
        long rowBase = (long) tile * (cols / 2);
        long plane = w.planeBytes();
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int chunk = 0;
        for (int g = 0; g < groups; g++) {
            int pg = at + TILE * g;
            FloatVector s0 = FloatVector.broadcast(F, p[pg]), m0 = FloatVector.broadcast(F, p[n + pg]);
            FloatVector s1 = FloatVector.broadcast(F, p[pg + 1]), m1 = FloatVector.broadcast(F, p[n + pg + 1]);
            FloatVector s2 = FloatVector.broadcast(F, p[pg + 2]), m2 = FloatVector.broadcast(F, p[n + pg + 2]);
            FloatVector s3 = FloatVector.broadcast(F, p[pg + 3]), m3 = FloatVector.broadcast(F, p[n + pg + 3]);
            for (int k = 0; k < chunksPerGroup; k++, chunk++) {
                long cb = rowBase + (long) chunk * Int4GroupWeight.CHUNK_BYTES;
                int xc = xOff + chunk * Int4GroupWeight.CHUNK;
                if (VECTORS_PER_CHUNK == 1) {
                    // 512 bits: one load per row per chunk; its eight nibbles are eight column runs,
                    // each dequantized by one permute from the group's 16-entry table.
                    IntVector q0 = IntVector.fromMemorySegment(I, packed, cb, LE);
                    IntVector q1 = IntVector.fromMemorySegment(I, packed, cb + plane, LE);
                    IntVector q2 = IntVector.fromMemorySegment(I, packed, cb + 2 * plane, LE);
                    IntVector q3 = IntVector.fromMemorySegment(I, packed, cb + 3 * plane, LE);
                    IntVector t0 = table(s0, m0), t1 = table(s1, m1), t2 = table(s2, m2), t3 = table(s3, m3);
                    // Each nibble run dequantized by one permute, which reads only each lane's low
                    // 4 bits; then the words shift on to the next run (a shift by a constant is one
                    // instruction, a shift by 4 j in a loop two).
                    for (int j = 0; j < 8; j++) {
                        FloatVector xv = FloatVector.fromArray(F, x, xc + 16 * j);
                        a0 = q0.selectFrom(t0).reinterpretAsFloats().fma(xv, a0);
                        a1 = q1.selectFrom(t1).reinterpretAsFloats().fma(xv, a1);
                        a2 = q2.selectFrom(t2).reinterpretAsFloats().fma(xv, a2);
                        a3 = q3.selectFrom(t3).reinterpretAsFloats().fma(xv, a3);
                        q0 = q0.lanewise(VectorOperators.LSHR, 4);
                        q1 = q1.lanewise(VectorOperators.LSHR, 4);
                        q2 = q2.lanewise(VectorOperators.LSHR, 4);
                        q3 = q3.lanewise(VectorOperators.LSHR, 4);
                    }
                    continue;
                }
                // Narrower vectors: the same column order as the GEMM path (j outer, h inner),
                // which batch invariance needs; the repeated loads hit L1.
                for (int j = 0; j < 8; j++) {
                    int shift = 4 * j;
                    for (int h = 0; h < VECTORS_PER_CHUNK; h++) {
                        long wb = cb + (long) h * L * Integer.BYTES;
                        FloatVector xv = FloatVector.fromArray(F, x, xc + 16 * j + h * L);
                        a0 = dequantize(IntVector.fromMemorySegment(I, packed, wb, LE), shift, s0, m0).fma(xv, a0);
                        a1 = dequantize(IntVector.fromMemorySegment(I, packed, wb + plane, LE), shift, s1, m1).fma(xv, a1);
                        a2 = dequantize(IntVector.fromMemorySegment(I, packed, wb + 2 * plane, LE), shift, s2, m2).fma(xv, a2);
                        a3 = dequantize(IntVector.fromMemorySegment(I, packed, wb + 3 * plane, LE), shift, s3, m3).fma(xv, a3);
                    }
                }
            }
        }
        // Through memory: see WidenedTiles.sum4.
        a0.intoArray(scratch.accumulators, 0);
        a1.intoArray(scratch.accumulators, L);
        a2.intoArray(scratch.accumulators, 2 * L);
        a3.intoArray(scratch.accumulators, 3 * L);
        WidenedTiles.sum4(scratch.accumulators, 0, scratch.sums, 0);
    }

    /**
     * A {@link PanelGemm} row panel, or a whole tile widened for {@link WidenedTiles}: rows row0 ..
     * row0 + rowCount, columns [k0, k0 + kc) (whole chunks, since k0 and kc are multiples of 128),
     * dequantized in column order, the same values the GEMV tile computes in registers.
     */
    private static void packRows(Int4GroupWeight w, int row0, int rowCount, int k0, int kc, float[] panel,
                                 int stride) {
        MemorySegment packed = w.packed();
        int cols = w.cols();
        for (int i = 0; i < rowCount; i++) {
            int r = row0 + i;
            int out = i * stride - k0;
            for (int chunk = k0 / Int4GroupWeight.CHUNK; chunk < (k0 + kc) / Int4GroupWeight.CHUNK; chunk++) {
                int g = chunk * Int4GroupWeight.CHUNK / w.groupSize();
                float sc = w.scale(r, g);
                FloatVector s = FloatVector.broadcast(F, sc);
                FloatVector m = FloatVector.broadcast(F, -w.zero(r, g) * sc);
                long cb = Int4GroupWeight.chunkOffset(w.rows(), cols, r, chunk);
                int oc = out + chunk * Int4GroupWeight.CHUNK;
                if (VECTORS_PER_CHUNK == 1) {
                    // 512 bits: each nibble run by one permute from the group's table, as the GEMV tile does.
                    IntVector t = table(s, m);
                    IntVector q = IntVector.fromMemorySegment(I, packed, cb, LE);
                    for (int j = 0; j < 8; j++) {
                        q.selectFrom(t).reinterpretAsFloats().intoArray(panel, oc + 16 * j);
                        q = q.lanewise(VectorOperators.LSHR, 4);
                    }
                    continue;
                }
                for (int h = 0; h < VECTORS_PER_CHUNK; h++) {
                    IntVector q = IntVector.fromMemorySegment(I, packed, cb + (long) h * L * Integer.BYTES, LE);
                    for (int j = 0; j < 8; j++) {
                        dequantize(q, 4 * j, s, m).intoArray(panel, oc + 16 * j + h * L);
                    }
                }
            }
        }
    }
}
