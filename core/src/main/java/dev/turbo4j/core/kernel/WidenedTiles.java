package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM inner loops of the quantized kernels, over weight rows already widened to F32 in
 * a scratch array: 4 rows × 4 tokens per register tile, one accumulator per (row, token).
 *
 * <p>Batch invariance rests on this class and {@link #sum4}: every (row, token) sum here is
 * {@code acc = fma(w[c..c+L), x[c..c+L), acc)} for c = 0, L, 2L, … then the lanes added by
 * {@link #sum4} — exactly what the fused GEMV loops of the kernels compute for one token.
 */
final class WidenedTiles {
    static final int ROWS = 4;
    static final int TOKENS = 4;
    /** Activations of one GEMM token block stay within this many bytes (about half an L2). */
    static final int TOKEN_BLOCK_BYTES = 1 << 20;

    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;

    private WidenedTiles() {
    }

    /** Tokens per GEMM block for rows of {@code cols} activations: a multiple of {@link #TOKENS}. */
    static int tokenBlock(int cols) {
        return Math.max(TOKENS, TOKEN_BLOCK_BYTES / (Float.BYTES * cols) / TOKENS * TOKENS);
    }

    /**
     * sums[j * 4 + i] = w[i * n .. +n) · x[(t + j) * n .. +n) for rows i and tokens j in [0, 4);
     * w holds 4 widened rows of n columns, n a multiple of the vector length.
     */
    static void rows4Tokens4(float[] w, int n, float[] x, int xOff, float[] sums, float[] acc) {
        int w1 = n;
        int w2 = 2 * n;
        int w3 = 3 * n;
        int x0 = xOff;
        int x1 = xOff + n;
        int x2 = xOff + 2 * n;
        int x3 = xOff + 3 * n;
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        for (int c = 0; c < n; c += F.length()) {
            FloatVector r0 = FloatVector.fromArray(F, w, c);
            FloatVector r1 = FloatVector.fromArray(F, w, w1 + c);
            FloatVector r2 = FloatVector.fromArray(F, w, w2 + c);
            FloatVector r3 = FloatVector.fromArray(F, w, w3 + c);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + c);
            a00 = r0.fma(xv, a00);
            a10 = r1.fma(xv, a10);
            a20 = r2.fma(xv, a20);
            a30 = r3.fma(xv, a30);
            xv = FloatVector.fromArray(F, x, x1 + c);
            a01 = r0.fma(xv, a01);
            a11 = r1.fma(xv, a11);
            a21 = r2.fma(xv, a21);
            a31 = r3.fma(xv, a31);
            xv = FloatVector.fromArray(F, x, x2 + c);
            a02 = r0.fma(xv, a02);
            a12 = r1.fma(xv, a12);
            a22 = r2.fma(xv, a22);
            a32 = r3.fma(xv, a32);
            xv = FloatVector.fromArray(F, x, x3 + c);
            a03 = r0.fma(xv, a03);
            a13 = r1.fma(xv, a13);
            a23 = r2.fma(xv, a23);
            a33 = r3.fma(xv, a33);
        }
        int l = F.length();
        a00.intoArray(acc, 0);
        a10.intoArray(acc, l);
        a20.intoArray(acc, 2 * l);
        a30.intoArray(acc, 3 * l);
        a01.intoArray(acc, 4 * l);
        a11.intoArray(acc, 5 * l);
        a21.intoArray(acc, 6 * l);
        a31.intoArray(acc, 7 * l);
        a02.intoArray(acc, 8 * l);
        a12.intoArray(acc, 9 * l);
        a22.intoArray(acc, 10 * l);
        a32.intoArray(acc, 11 * l);
        a03.intoArray(acc, 12 * l);
        a13.intoArray(acc, 13 * l);
        a23.intoArray(acc, 14 * l);
        a33.intoArray(acc, 15 * l);
        // In order: each call writes its 4 sums over the previous one's spare lanes.
        for (int j = 0; j < TOKENS; j++) {
            sum4(acc, j * ROWS * l, sums, j * ROWS);
        }
    }

    /** sums[i] = w[i * n .. +n) · x[xOff .. +n) for the 4 rows i and one token. */
    static void rows4Token1(float[] w, int n, float[] x, int xOff, float[] sums, float[] acc) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int c = 0; c < n; c += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + c);
            a0 = FloatVector.fromArray(F, w, c).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, n + c).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, 2 * n + c).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, 3 * n + c).fma(xv, a3);
        }
        int l = F.length();
        a0.intoArray(acc, 0);
        a1.intoArray(acc, l);
        a2.intoArray(acc, 2 * l);
        a3.intoArray(acc, 3 * l);
        sum4(acc, 0, sums, 0);
    }

    /**
     * sums[at .. at + 4) = the lane sums of the four accumulators stored one after another at
     * acc[from ..) (sums[at + 4 .. at + L) are overwritten with spare lanes). A fixed tree of
     * lane-wise blends, permutes and adds: unlike {@code reduceLanes(ADD)}, whose order for floats
     * is unspecified (and differs between the interpreter and C2), it gives the same bits in every
     * compilation tier, which batch invariance needs; and it is a handful of vector operations
     * where adding lanes one by one cost about 5% of an int4 GEMV. The accumulators come through
     * an array because a vector passed to a call C2 leaves out of line (a cold call site, after
     * the kernel's loops) would be boxed on the heap.
     */
    static void sum4(float[] acc, int from, float[] sums, int at) {
        int l = F.length();
        FloatVector a0 = FloatVector.fromArray(F, acc, from);
        FloatVector a1 = FloatVector.fromArray(F, acc, from + l);
        FloatVector a2 = FloatVector.fromArray(F, acc, from + 2 * l);
        FloatVector a3 = FloatVector.fromArray(F, acc, from + 3 * l);
        // a0's lanes folded into the lower half of a01, a1's into its upper half; a23 likewise.
        FloatVector a01 = a0.blend(a1, UPPER_HALF).add(a1.blend(a0, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector a23 = a2.blend(a3, UPPER_HALF).add(a3.blend(a2, UPPER_HALF).rearrange(SWAP_HALVES));
        // Again within each half: the quarters then hold a0, a2, a1, a3.
        FloatVector all = a01.blend(a23, UPPER_QUARTERS)
                .add(a23.blend(a01, UPPER_QUARTERS).rearrange(SWAP_QUARTERS));
        // Each quarter's lanes added up into its first lane.
        if (l >= 8) {
            all = all.add(all.rearrange(SWAP_EIGHTHS));
        }
        if (l >= 16) {
            all = all.add(all.rearrange(SWAP_SIXTEENTHS));
        }
        all.rearrange(QUARTER_STARTS).intoArray(sums, at);
    }

    // The constants of sum4, each its own static final field so that C2 compiles them in.
    private static final VectorMask<Float> UPPER_HALF = lanesWithBit(F.length() / 2);
    private static final VectorMask<Float> UPPER_QUARTERS = lanesWithBit(F.length() / 4);
    private static final VectorShuffle<Float> SWAP_HALVES = VectorOps.laneXor(F.length() / 2);
    private static final VectorShuffle<Float> SWAP_QUARTERS = VectorOps.laneXor(F.length() / 4);
    private static final VectorShuffle<Float> SWAP_EIGHTHS = VectorOps.laneXor(F.length() / 8);
    private static final VectorShuffle<Float> SWAP_SIXTEENTHS = VectorOps.laneXor(F.length() / 16);
    /** Lanes 0..3 take the first lanes of the quarters holding a0, a1, a2, a3 (quarters 0, 2, 1, 3). */
    private static final VectorShuffle<Float> QUARTER_STARTS = VectorShuffle.fromOp(F,
            j -> new int[] {0, 2, 1, 3}[j % 4] * (F.length() / 4));

    /** The lanes whose index has the bit {@code bit} set. */
    private static VectorMask<Float> lanesWithBit(int bit) {
        boolean[] set = new boolean[F.length()];
        for (int j = 0; j < set.length; j++) {
            set[j] = (j & bit) != 0;
        }
        return VectorMask.fromArray(F, set, 0);
    }

    /** Per-thread scratch: widened rows, a tile's sums and group parameters; reused, never shrunk. */
    static final class Scratch {
        private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

        /** A tile's sums, with room for the spare lanes of the last {@link #sum4} stored. */
        final float[] sums = new float[ROWS * TOKENS + F.length()];
        /** A tile's accumulators, stored for {@link #sum4}. */
        final float[] accumulators = new float[ROWS * TOKENS * F.length()];
        private float[] rows = new float[0];
        private float[] groupParams = new float[0];
        private float[] groupSums = new float[0];

        static Scratch current() {
            return CURRENT.get();
        }

        /** Room for n per-group quantization parameters (scales, offsets) of a tile. */
        float[] groupParams(int n) {
            if (groupParams.length < n) {
                groupParams = new float[n];
            }
            return groupParams;
        }

        /** Room for n per-group sums of activations. */
        float[] groupSums(int n) {
            if (groupSums.length < n) {
                groupSums = new float[n];
            }
            return groupSums;
        }

        /** Room for 4 widened rows of {@code cols} floats. */
        float[] rows(int cols) {
            if (rows.length < ROWS * cols) {
                rows = new float[ROWS * cols];
            }
            return rows;
        }
    }
}
