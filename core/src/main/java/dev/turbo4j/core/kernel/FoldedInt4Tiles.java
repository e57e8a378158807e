package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The int4 decode tiles: each nibble becomes a float without a conversion or a lookup, and
 * each group's scale and zero point are applied once per group rather than per weight.
 *
 * <p>A nibble q moved into the top four mantissa bits of 1.0f is the float f = 1 + q/16,
 * exactly: a shift (or rotation) and one bitwise select (AND with the mantissa's top bits,
 * OR with 1.0f's bits: one {@code vpternlogd} on AVX-512). Since (q − z)/16 = f − (z + 16)/16,
 * <pre>
 *   y = Σ_g 16 s_g · ( Σ_{c in g} f_c x_c  −  (z_g + 16)/16 · X_g ),   X_g = Σ_{c in g} x_c
 * </pre>
 * Each group's accumulator starts at −(z + 16)/16 · X_g (in lanes: X_g's lane sums) and takes
 * one FMA per vector of weights; at the group's end it is scaled by 16 s into the row's sum. The
 * inner loop is three instructions per vector of weights (shift, select, FMA). The permute from
 * a per-group table it replaced took four (C2 wraps a permute's indices with an AND), and the
 * table's scales and offsets in registers made C2 spill inside the loop in some runs and not
 * in others. Every element stays exact: (z + 16)/16, 16 s and (q − z)/16 need few bits, so a
 * one-hot activation gives exactly (q − z) s.
 *
 * <p>At 512 bits four rows run at once, one word vector per row per 128-column chunk rotated
 * into place for each nibble run; below, one row at a time (four rows' nibbles spilled out of
 * the 16 vector registers of AVX2), constant shifts and even and odd runs in two FMA chains.
 * Batches below the GEMM threshold run these tiles token by token (the tile's bytes stay in L1),
 * so a token's output does not depend on its batch. Tile rows, planes and group parameters are
 * those of {@link SimdInt4Kernel}.
 */
final class FoldedInt4Tiles {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorSpecies<Integer> I = SimdSpecies.INT;
    private static final int L = F.length();
    private static final int VECTORS_PER_CHUNK = Int4GroupWeight.CHUNK / 8 / L;
    private static final int TILE = Int4GroupWeight.TILE_ROWS;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorOperators.Binary LSHR = VectorOperators.LSHR;
    private static final VectorOperators.Binary LSHL = VectorOperators.LSHL;
    private static final VectorOperators.Binary ROR = VectorOperators.ROR;
    /** The bits of 1.0f. */
    private static final int ONE = 0x3F80_0000;
    /** The lowest of the mantissa's top four bits, where a nibble q makes 1.0f into 1 + q/16. */
    private static final int NIBBLE_AT = 19;
    private static final int NIBBLE_BITS = 0xF << NIBBLE_AT;
    private static final VectorOperators.Ternary BLEND = VectorOperators.BITWISE_BLEND;
    /** At 512 bits: w.lanewise(BLEND, ONE_BITS, OTHER_BITS) = (w & NIBBLE_BITS) | ONE, in w's register. */
    private static final IntVector ONE_BITS = IntVector.broadcast(I, ONE);
    private static final IntVector OTHER_BITS = IntVector.broadcast(I, ~NIBBLE_BITS);
    /** f = 1 + q/16: the scale a group's sum takes is 16 s, its zero point (z + 16)/16. */
    static final float NIBBLE_STEP = 16;

    private FoldedInt4Tiles() {
    }

    /**
     * Lane sums of each token's activations over each group: lane i of group g of token t at
     * sums[(t · groups + g) · L + i] = Σ_b x[t · cols + g · groupSize + b · L + i], the lanes
     * the tiles' FMAs meet those activations in.
     */
    static void groupSums(float[] x, int tokens, int cols, int groupSize, float[] sums) {
        int groups = cols / groupSize;
        for (int t = 0; t < tokens; t++) {
            for (int g = 0; g < groups; g++) {
                int c0 = t * cols + g * groupSize;
                FloatVector s = FloatVector.fromArray(F, x, c0);
                for (int c = L; c < groupSize; c += L) {
                    s = s.add(FloatVector.fromArray(F, x, c0 + c));
                }
                s.intoArray(sums, (t * groups + g) * L);
            }
        }
    }

    /**
     * sums[r] = row (4 tile + r) · x[xOff ..) for the tile's 4 rows, reading the packed nibbles.
     * {@code p} holds the group parameters as {@link SimdInt4Kernel} converts them (16 s of row
     * r, group g at {@code p[at + 4 g + r]}, −(z + 16)/16 at {@code p[n + at + 4 g + r]});
     * {@code xSums} the token's {@link #groupSums} from {@code sumsOff}.
     */
    static void gemvTile(Int4GroupWeight w, int tile, float[] p, int at, int n, float[] x, int xOff,
                         float[] xSums, int sumsOff, WidenedTiles.Scratch scratch) {
        long rowBase = (long) tile * (w.cols() / 2);
        if (VECTORS_PER_CHUNK == 1) {
            rows4Dot(w, rowBase, p, at, n, x, xOff, xSums, sumsOff, scratch.accumulators);
        } else {
            for (int r = 0; r < TILE; r++) {
                rowDot(w, rowBase + r * w.planeBytes(), p, at + r, n, x, xOff, xSums, sumsOff,
                        scratch.accumulators, r * L);
            }
        }
        WidenedTiles.sum4(scratch.accumulators, 0, scratch.sums, 0);
    }

    /**
     * At 512 bits, the lanes of the tile's 4 rows' sums into out[0 .. 4 L): per row one group
     * accumulator, scaled into the row's accumulator at the end of each group. A chunk word's
     * nibble j (bits 4 j ..) sits in the top mantissa bits after rotating right by 13 + 4 j:
     * runs 0..3 rotate the loaded words by 13, 17, 21, 25; runs 4..7 the same after the words
     * rotate by 16. Each rotation is a constant from a word the loop keeps, into a fresh
     * register the select may overwrite (rotating on from the last run, or by a variable count,
     * cost a register copy per step). Four steps written out per half, not eight: 32 steps
     * pushed the method past C2's inlining node budget in some runs, and the FMA left out boxed
     * its vectors (3× slower decode). Nothing here takes or returns a vector.
     */
    private static void rows4Dot(Int4GroupWeight w, long rowByte, float[] p, int at, int n, float[] x, int xOff,
                                 float[] xSums, int sumsOff, float[] out) {
        MemorySegment packed = w.packed();
        long plane = w.planeBytes();
        int groups = w.groupsPerRow();
        int chunksPerGroup = w.groupSize() / Int4GroupWeight.CHUNK;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int chunk = 0;
        for (int g = 0; g < groups; g++) {
            int pg = at + TILE * g;
            FloatVector xs = FloatVector.fromArray(F, xSums, sumsOff + g * L);
            FloatVector g0 = xs.mul(p[n + pg]), g1 = xs.mul(p[n + pg + 1]);
            FloatVector g2 = xs.mul(p[n + pg + 2]), g3 = xs.mul(p[n + pg + 3]);
            for (int k = 0; k < chunksPerGroup; k++, chunk++) {
                long cb = rowByte + (long) chunk * Int4GroupWeight.CHUNK_BYTES;
                IntVector q0 = IntVector.fromMemorySegment(I, packed, cb, LE);
                IntVector q1 = IntVector.fromMemorySegment(I, packed, cb + plane, LE);
                IntVector q2 = IntVector.fromMemorySegment(I, packed, cb + 2 * plane, LE);
                IntVector q3 = IntVector.fromMemorySegment(I, packed, cb + 3 * plane, LE);
                for (int half = 0; half < 2; half++) {
                    int xh = xOff + chunk * Int4GroupWeight.CHUNK + 64 * half;
                    FloatVector xv;
                    xv = FloatVector.fromArray(F, x, xh);
                    g0 = q0.lanewise(ROR, 13).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g0);
                    g1 = q1.lanewise(ROR, 13).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g1);
                    g2 = q2.lanewise(ROR, 13).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g2);
                    g3 = q3.lanewise(ROR, 13).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g3);
                    xv = FloatVector.fromArray(F, x, xh + 16);
                    g0 = q0.lanewise(ROR, 17).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g0);
                    g1 = q1.lanewise(ROR, 17).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g1);
                    g2 = q2.lanewise(ROR, 17).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g2);
                    g3 = q3.lanewise(ROR, 17).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g3);
                    xv = FloatVector.fromArray(F, x, xh + 32);
                    g0 = q0.lanewise(ROR, 21).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g0);
                    g1 = q1.lanewise(ROR, 21).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g1);
                    g2 = q2.lanewise(ROR, 21).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g2);
                    g3 = q3.lanewise(ROR, 21).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g3);
                    xv = FloatVector.fromArray(F, x, xh + 48);
                    g0 = q0.lanewise(ROR, 25).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g0);
                    g1 = q1.lanewise(ROR, 25).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g1);
                    g2 = q2.lanewise(ROR, 25).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g2);
                    g3 = q3.lanewise(ROR, 25).lanewise(BLEND, ONE_BITS, OTHER_BITS).reinterpretAsFloats().fma(xv, g3);
                    q0 = q0.lanewise(ROR, 16);
                    q1 = q1.lanewise(ROR, 16);
                    q2 = q2.lanewise(ROR, 16);
                    q3 = q3.lanewise(ROR, 16);
                }
            }
            a0 = g0.fma(FloatVector.broadcast(F, p[pg]), a0);
            a1 = g1.fma(FloatVector.broadcast(F, p[pg + 1]), a1);
            a2 = g2.fma(FloatVector.broadcast(F, p[pg + 2]), a2);
            a3 = g3.fma(FloatVector.broadcast(F, p[pg + 3]), a3);
        }
        a0.intoArray(out, 0);
        a1.intoArray(out, L);
        a2.intoArray(out, 2 * L);
        a3.intoArray(out, 3 * L);
    }

    /**
     * Below 512 bits, one row's lanes: products of even nibble runs (after the group's zero
     * term) and of odd ones in two accumulators (two FMA chains), added at the end of each
     * group and scaled there; into out[at ..). Nothing here takes or returns a vector: one not inlined is boxed.
     */
    private static void rowDot(Int4GroupWeight w, long rowByte, float[] p, int scaleAt, int n, float[] x, int xOff,
                               float[] xSums, int sumsOff, float[] out, int at) {
        MemorySegment packed = w.packed();
        int chunks = w.cols() / Int4GroupWeight.CHUNK;
        int chunksPerGroup = w.groupSize() / Int4GroupWeight.CHUNK;
        FloatVector acc = FloatVector.zero(F);
        int scale = scaleAt;
        int sums = sumsOff;
        FloatVector even = FloatVector.fromArray(F, xSums, sums).mul(p[n + scale]);
        FloatVector odd = FloatVector.zero(F);
        int left = chunksPerGroup;
        for (int chunk = 0; chunk < chunks; chunk++) {
            long cb = rowByte + (long) chunk * Int4GroupWeight.CHUNK_BYTES;
            int xc = xOff + chunk * Int4GroupWeight.CHUNK;
            for (int h = 0; h < VECTORS_PER_CHUNK; h++) {
                IntVector q = IntVector.fromMemorySegment(I, packed, cb + (long) h * L * Integer.BYTES, LE);
                int xh = xc + h * L;
                // Nibble run j (bits 4 j ..) holds columns 16 j + h L ..; written out so each shift is a constant.
                even = q.lanewise(LSHL, NIBBLE_AT).and(NIBBLE_BITS).or(ONE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xh), even);
                odd = q.lanewise(LSHL, NIBBLE_AT - 4).and(NIBBLE_BITS).or(ONE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xh + 16), odd);
                even = q.lanewise(LSHL, NIBBLE_AT - 8).and(NIBBLE_BITS).or(ONE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xh + 32), even);
                odd = q.lanewise(LSHL, NIBBLE_AT - 12).and(NIBBLE_BITS).or(ONE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xh + 48), odd);
                even = q.lanewise(LSHL, NIBBLE_AT - 16).and(NIBBLE_BITS).or(ONE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xh + 64), even);
                odd = q.lanewise(LSHR, 20 - NIBBLE_AT).and(NIBBLE_BITS).or(ONE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xh + 80), odd);
                even = q.lanewise(LSHR, 24 - NIBBLE_AT).and(NIBBLE_BITS).or(ONE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xh + 96), even);
                odd = q.lanewise(LSHR, 28 - NIBBLE_AT).and(NIBBLE_BITS).or(ONE).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(F, x, xh + 112), odd);
            }
            if (--left == 0) {
                acc = even.add(odd).fma(FloatVector.broadcast(F, p[scale]), acc);
                left = chunksPerGroup;
                scale += TILE;
                sums += L;
                if (chunk + 1 < chunks) {
                    even = FloatVector.fromArray(F, xSums, sums).mul(p[n + scale]);
                    odd = FloatVector.zero(F);
                }
            }
        }
        acc.intoArray(out, at);
    }
}
