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
 * SIMD kernel for {@link Int4GroupWeight}; the 4-bit weights stay 4-bit in memory.
 *
 * <p>Below the GEMM threshold (decode, batched or not) each 4-row tile runs token by token
 * through {@link FoldedInt4Tiles}, which unpacks the nibbles in registers while the tile's bytes
 * are in L1 and applies each group's scale and zero point once per group. Every token's sums
 * are computed the same way whatever the batch, so decode results do not depend on it. Prefills
 * of {@link PanelGemm#MIN_TOKENS} tokens and more dequantize row panels for {@link PanelGemm}, as
 * the dense kernels do: at 512 bits a chunk's nibble runs by one permute each from the group's
 * 16-entry table of q · scale − zero · scale, below by a shift, a mask, a conversion and an FMA.
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
    /** What the folded tiles add to each zero point: their offset is −(zero + 16)/16. */
    private static final int ZERO_SHIFT = (int) FoldedInt4Tiles.NIBBLE_STEP;
    /** Tiles whose group parameters the GEMV path converts at a time. */
    private static final int PARAM_TILES = 16;
    /** 0, 1, .., 15: the table of a group for the 512-bit GEMM panels. */
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
        if (tokens >= PanelGemm.MIN_TOKENS) {
            PanelGemm.multiply((row0, rowCount, k0, kc, panel, stride) -> packRows(w, row0, rowCount, k0, kc, panel, stride),
                    false, rows, cols, x, tokens, y, rowStart, rowEnd);
            return;
        }
        multiplyByToken(w, x, tokens, y, rowStart, rowEnd, WidenedTiles.Scratch.current());
    }

    /** Each tile ({@link FoldedInt4Tiles}) with one token at a time, the tile's bytes in L1 for the next token. */
    private static void multiplyByToken(Int4GroupWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd,
                                        WidenedTiles.Scratch scratch) {
        int rows = w.rows();
        int cols = w.cols();
        int groups = w.groupsPerRow();
        float[] xSums = scratch.groupSums(tokens * groups * L);
        FoldedInt4Tiles.groupSums(x, tokens, cols, w.groupSize(), xSums);
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
                    FoldedInt4Tiles.gemvTile(w, tile, params, at, n, x, t * cols, xSums, t * groups * L, scratch);
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
     * The group parameters {@link FoldedInt4Tiles} applies, 16 · scale and −(zero + 16)/16,
     * per (tile, group, row) of tiles [tile, tile + tiles) (both exact):
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
            scale.mul(FoldedInt4Tiles.NIBBLE_STEP).intoArray(params, i);
            ((FloatVector) zero.add(ZERO_SHIFT).neg().convert(VectorOperators.I2F, 0))
                    .div(FoldedInt4Tiles.NIBBLE_STEP).intoArray(params, n + i);
        }
        for (; i < n; i++) {
            float scale = Float.float16ToFloat(scales.get(HALF, (base + i) * 2));
            params[i] = FoldedInt4Tiles.NIBBLE_STEP * scale;
            params[n + i] = -((zeros.get(ValueLayout.JAVA_BYTE, base + i) & 0xFF) + ZERO_SHIFT) / FoldedInt4Tiles.NIBBLE_STEP;
        }
        return params;
    }

    /**
     * A {@link PanelGemm} row panel: rows row0 ..
     * row0 + rowCount, columns [k0, k0 + kc) (whole chunks, since k0 and kc are multiples of 128),
     * dequantized in column order.
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
                    // 512 bits: each nibble run by one permute from the group's table.
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
