package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM inner loops of the quantized kernels, over weight rows already widened to F32 in
 * a scratch array: 4 rows × 4 tokens per register tile, one accumulator per (row, token).
 *
 * <p>Batch invariance rests on this class and {@link #laneSum}: every (row, token) sum here is
 * {@code acc = fma(w[c..c+L), x[c..c+L), acc)} for c = 0, L, 2L, … then the lanes added in
 * lane order — exactly what the fused GEMV loops of the kernels compute for one token.
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
    static void rows4Tokens4(float[] w, int n, float[] x, int xOff, float[] sums, float[] lanes) {
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
        sums[0] = laneSum(a00, lanes);
        sums[1] = laneSum(a10, lanes);
        sums[2] = laneSum(a20, lanes);
        sums[3] = laneSum(a30, lanes);
        sums[4] = laneSum(a01, lanes);
        sums[5] = laneSum(a11, lanes);
        sums[6] = laneSum(a21, lanes);
        sums[7] = laneSum(a31, lanes);
        sums[8] = laneSum(a02, lanes);
        sums[9] = laneSum(a12, lanes);
        sums[10] = laneSum(a22, lanes);
        sums[11] = laneSum(a32, lanes);
        sums[12] = laneSum(a03, lanes);
        sums[13] = laneSum(a13, lanes);
        sums[14] = laneSum(a23, lanes);
        sums[15] = laneSum(a33, lanes);
    }

    /** sums[i] = w[i * n .. +n) · x[xOff .. +n) for the 4 rows i and one token. */
    static void rows4Token1(float[] w, int n, float[] x, int xOff, float[] sums, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int c = 0; c < n; c += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + c);
            a0 = FloatVector.fromArray(F, w, c).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, n + c).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, 2 * n + c).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, 3 * n + c).fma(xv, a3);
        }
        sums[0] = laneSum(a0, lanes);
        sums[1] = laneSum(a1, lanes);
        sums[2] = laneSum(a2, lanes);
        sums[3] = laneSum(a3, lanes);
    }

    /**
     * The lanes of v added in lane order. Unlike {@code reduceLanes(ADD)}, whose order for
     * floats is unspecified (and differs between the interpreter and C2), this gives the same
     * bits in every compilation tier, which batch invariance needs.
     */
    static float laneSum(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = lanes[0];
        for (int i = 1; i < F.length(); i++) {
            s += lanes[i];
        }
        return s;
    }

    /** Per-thread scratch: widened rows, a tile's sums and a vector's lanes; reused, never shrunk. */
    static final class Scratch {
        private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

        final float[] sums = new float[ROWS * TOKENS];
        final float[] lanes = new float[F.length()];
        private float[] rows = new float[0];
        private float[] groupParams = new float[0];

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

        /** Room for 4 widened rows of {@code cols} floats. */
        float[] rows(int cols) {
            if (rows.length < ROWS * cols) {
                rows = new float[ROWS * cols];
            }
            return rows;
        }
    }
}
