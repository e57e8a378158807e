package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The int4 decode tiles at vector widths below 512 bits, where a nibble is unpacked by a shift,
 * a mask and a conversion (no 16-entry permute). Each group's scale is applied once to the
 * group's sum of products, and its zero point through the activations' group sums:
 * <pre>
 *   y = Σ_g s_g · (Σ_{c in g} q_c · x_c) + Σ_g (−z_g · s_g) · X_g,   X_g = Σ_{c in g} x_c
 * </pre>
 * so the inner loop is one shift, mask, conversion and FMA per vector of weights; dequantizing
 * each weight first ({@code q · s − z · s}) took a second FMA. A row at a time: four rows'
 * nibbles at once spilled out of the 16 vector registers of AVX2. Batches below the GEMM
 * threshold run this tile token by token (the tile's bytes stay in L1), so a token's output does
 * not depend on its batch: tiles that shared the widened nibbles among 4 tokens spilled their
 * 8+ accumulators on AVX2 and ran slower than token by token. Tile rows, planes and group
 * parameters are those of {@link SimdInt4Kernel}.
 */
final class FoldedInt4Tiles {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final int L = F.length();
    private static final int VECTORS_PER_CHUNK = Int4GroupWeight.CHUNK / 8 / L;
    private static final int TILE = Int4GroupWeight.TILE_ROWS;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorOperators.Binary LSHR = VectorOperators.LSHR;
    private static final VectorOperators.Conversion<Integer, Float> I2F = VectorOperators.I2F;

    private FoldedInt4Tiles() {
    }

    /** sums[t · groups + g] = Σ of token t's x over group g, for {@code tokens} tokens. */
    static void groupSums(float[] x, int tokens, int cols, int groupSize, float[] sums) {
        int groups = cols / groupSize;
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < groups; g++) {
                int c0 = t * cols + g * groupSize;
                FloatVector s = FloatVector.fromArray(F, x, c0);
                for (int c = L; c < groupSize; c += L) {
                    s = s.add(FloatVector.fromArray(F, x, c0 + c));
                }
                sums[t * groups + g] = VectorOps.sumLanes(s);
            }
        }
    }

    /**
     * sums[r] = row (4 tile + r) · x[xOff ..) for the tile's 4 rows, reading the packed nibbles.
     * {@code p} holds the scales and offsets as {@link SimdInt4Kernel} converts them (scale of
     * row r, group g at {@code p[at + 4 g + r]}, offset at {@code p[n + at + 4 g + r]});
     * {@code xSums} the token's group sums from {@code sumsOff}.
     */
    static void gemvTile(Int4GroupWeight w, int tile, float[] p, int at, int n, float[] x, int xOff,
                         float[] xSums, int sumsOff, WidenedTiles.Scratch scratch) {
        long rowBase = (long) tile * (w.cols() / 2);
        for (int r = 0; r < TILE; r++) {
            rowDot(w, rowBase + r * w.planeBytes(), p, at + r, x, xOff, scratch.accumulators, r * L);
        }
        WidenedTiles.sum4(scratch.accumulators, 0, scratch.sums, 0);
        for (int r = 0; r < TILE; r++) {
            scratch.sums[r] += zeroTerm(p, n + at + r, xSums, sumsOff, w.groupsPerRow());
        }
    }

    /**
     * One row's lanes of Σ_g s_g Σ q x: products of even nibble runs and of odd ones in two
     * accumulators (two FMA chains), added at the end of each group and scaled there; into
     * out[at ..). Nothing here takes or returns a vector: one not inlined is boxed, 8× slower.
     */
    private static void rowDot(Int4GroupWeight w, long rowByte, float[] p, int scaleAt, float[] x, int xOff,
                               float[] out, int at) {
        MemorySegment packed = w.packed();
        int chunks = w.cols() / Int4GroupWeight.CHUNK;
        int chunksPerGroup = w.groupSize() / Int4GroupWeight.CHUNK;
        FloatVector acc = FloatVector.zero(F);
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = FloatVector.zero(F);
        int left = chunksPerGroup;
        int scale = scaleAt;
        for (int chunk = 0; chunk < chunks; chunk++) {
            long cb = rowByte + (long) chunk * Int4GroupWeight.CHUNK_BYTES;
            int xc = xOff + chunk * Int4GroupWeight.CHUNK;
            for (int h = 0; h < VECTORS_PER_CHUNK; h++) {
                IntVector q = IntVector.fromMemorySegment(I, packed, cb + (long) h * L * Integer.BYTES, LE);
                int xh = xc + h * L;
                // Nibble run j holds columns 16 j + h L ..; written out so each shift is a constant.
                even = ((FloatVector) q.and(0xF).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xh), even);
                odd = ((FloatVector) q.lanewise(LSHR, 4).and(0xF).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xh + 16), odd);
                even = ((FloatVector) q.lanewise(LSHR, 8).and(0xF).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xh + 32), even);
                odd = ((FloatVector) q.lanewise(LSHR, 12).and(0xF).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xh + 48), odd);
                even = ((FloatVector) q.lanewise(LSHR, 16).and(0xF).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xh + 64), even);
                odd = ((FloatVector) q.lanewise(LSHR, 20).and(0xF).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xh + 80), odd);
                even = ((FloatVector) q.lanewise(LSHR, 24).and(0xF).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xh + 96), even);
                odd = ((FloatVector) q.lanewise(LSHR, 28).and(0xF).convert(I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xh + 112), odd);
            }
            if (--left == 0) {
                acc = even.add(odd).fma(FloatVector.broadcast(F, p[scale]), acc);
                even = FloatVector.zero(F);
                odd = FloatVector.zero(F);
                left = chunksPerGroup;
                scale += TILE;
            }
        }
        acc.intoArray(out, at);
    }

    /** Σ_g (−z_g s_g) X_g for one row, groups in order. */
    private static float zeroTerm(float[] p, int offsetAt, float[] xSums, int sumsOff, int groups) {
        float z = 0;
        for (int g = 0; g < groups; g++) {
            z += p[offsetAt + TILE * g] * xSums[sumsOff + g];
        }
        return z;
    }
}
