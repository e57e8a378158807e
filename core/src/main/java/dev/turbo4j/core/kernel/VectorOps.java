package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise and reduction kernels of the forward pass (everything but the matmuls),
 * on F32 arrays with explicit offsets, vectorised at {@link SimdSpecies}'s width. Each loop
 * runs whole vectors, then finishes the last n % lanes elements one by one. {@link ScalarOps}
 * is the reference; results agree up to summation order.
 */
public final class VectorOps {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    private static final VectorShuffle<Float> SWAP_HALVES = laneXor(F.length() / 2);
    private static final VectorShuffle<Float> SWAP_QUARTERS = laneXor(F.length() / 4);
    private static final VectorShuffle<Float> SWAP_EIGHTHS = laneXor(F.length() / 8);
    private static final VectorShuffle<Float> SWAP_SIXTEENTHS = laneXor(F.length() / 16);
    /** exp's range: below, e^x is taken as 0 (it would be subnormal); above, as infinity (2^n would overflow). */
    private static final float EXP_MIN = -87.33654f;
    private static final float EXP_MAX = 88.37626f;
    /** 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    private static final float ROUNDER = 12582912f;

    private VectorOps() {
    }

    /** Lane j takes lane j ^ h (h = 0, where the vector is too narrow to need it: the identity). */
    static VectorShuffle<Float> laneXor(int h) {
        return VectorShuffle.fromOp(F, j -> j ^ h);
    }

    /**
     * The sum of v's lanes, added in a fixed order (the two halves, then their halves, ...) by
     * lane-wise adds. {@code reduceLanes(ADD)} adds in one order compiled by C2 and in another
     * interpreted, so a result depended on how warm the JIT was: a seeded request answered
     * differently the first time than the third.
     */
    public static float sumLanes(FloatVector v) {
        FloatVector s = v.add(v.rearrange(SWAP_HALVES));
        if (F.length() >= 4) {
            s = s.add(s.rearrange(SWAP_QUARTERS));
        }
        if (F.length() >= 8) {
            s = s.add(s.rearrange(SWAP_EIGHTHS));
        }
        if (F.length() >= 16) {
            s = s.add(s.rearrange(SWAP_SIXTEENTHS));
        }
        return s.lane(0);
    }

    /**
     * {@link #sumLanes(FloatVector)} of the vector stored at lanes[offset ..), summed in the same
     * order. For tiles with many accumulators: C2 inlines only the first few of their sumLanes
     * calls (its node budget is spent on the loop) and boxes the vector passed to each of the
     * others; stored first, the vectors are passed as one array and nothing is allocated.
     */
    public static float sumLanes(float[] lanes, int offset) {
        return sumLanes(FloatVector.fromArray(F, lanes, offset));
    }

    /**
     * e^x per lane, from lane-wise arithmetic only (Cephes' expf: x = n ln 2 + r, a degree-7
     * polynomial in r, 2^n from the exponent bits; within 2 ulp of Math.exp), for the reason of
     * {@link #sumLanes}: the JDK's vector EXP is an SVML stub compiled and Math.exp interpreted,
     * and they differ in the last bit. Below −87.34 the result is 0, above 88.37 infinity.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector n = xc.fma(1.44269504f, ROUNDER).sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(F, -0.693359375f), xc);
        r = n.fma(FloatVector.broadcast(F, 2.12194440e-4f), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        FloatVector twoToN = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(twoToN)
                .blend(0f, x.compare(VectorOperators.LT, EXP_MIN))
                .blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
    }

    /** sum_i a[aOff + i] * b[bOff + i] for i in [0, n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float sum = 0f;
        if (n >= F.length()) {
            // Two accumulators hide the FMA latency; more buys nothing for activation sizes.
            FloatVector s0 = FloatVector.zero(F);
            FloatVector s1 = FloatVector.zero(F);
            int bound2 = n - 2 * F.length();
            for (; i <= bound2; i += 2 * F.length()) {
                s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
                s1 = FloatVector.fromArray(F, a, aOff + i + F.length())
                        .fma(FloatVector.fromArray(F, b, bOff + i + F.length()), s1);
            }
            for (; i < F.loopBound(n); i += F.length()) {
                s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            }
            sum = sumLanes(s0.add(s1));
        }
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** y[yOff + i] += alpha * x[xOff + i]. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(a, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** x[off + i] *= alpha. */
    public static void scale(float alpha, float[] x, int off, int n) {
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            FloatVector.fromArray(F, x, off + i).mul(alpha).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    /** y[yOff + i] += x[xOff + i]. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    /** out = x / rms(x) * weight, rms(x) = sqrt(mean(x^2) + eps). out may alias x. */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float eps, int n) {
        float ss = dot(x, xOff, x, xOff, n);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).mul(inv).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = weight[i] * (inv * x[xOff + i]);
        }
    }

    /** gate[i] = silu(gate[i]) * up[i], silu(v) = v / (1 + e^-v). */
    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            FloatVector denominator = exp(g.neg()).add(1f);
            g.div(denominator).mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = g / (1f + (float) Math.exp(-g)) * up[uOff + i];
        }
    }

    /** Max of x[off .. off + n); negative infinity when n is 0. */
    public static float max(float[] x, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= F.length()) {
            FloatVector vm = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i < F.loopBound(n); i += F.length()) {
                vm = vm.max(FloatVector.fromArray(F, x, off + i));
            }
            m = vm.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /**
     * x[i] = exp(x[i] − shift) for x[off .. off + n), returning their sum: softmax weights
     * (through the same vector EXP as {@link #siluMul}).
     */
    public static float expShifted(float[] x, int off, int n, float shift) {
        int i = 0;
        float sum = 0f;
        if (n >= F.length()) {
            FloatVector s = FloatVector.broadcast(F, shift);
            FloatVector vsum = FloatVector.zero(F);
            for (; i < F.loopBound(n); i += F.length()) {
                FloatVector e = exp(FloatVector.fromArray(F, x, off + i).sub(s));
                e.intoArray(x, off + i);
                vsum = vsum.add(e);
            }
            sum = sumLanes(vsum);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - shift);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }
}
