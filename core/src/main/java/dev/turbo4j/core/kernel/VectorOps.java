package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise and reduction kernels of the forward pass (everything but the matmuls),
 * on F32 arrays with explicit offsets, vectorised at {@link SimdSpecies}'s width. Each loop
 * runs whole vectors, then finishes the last n % lanes elements one by one. {@link ScalarOps}
 * is the reference; results agree up to summation order.
 */
public final class VectorOps {
    private static final VectorSpecies<Float> F = SimdSpecies.FLOAT;

    private VectorOps() {
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
            sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
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

    /**
     * gate[i] = silu(gate[i]) * up[i], silu(v) = v / (1 + e^-v). The vector exp is the JDK's
     * (an accurate SVML stub on x86, a per-lane Math.exp elsewhere).
     */
    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            FloatVector denominator = g.neg().lanewise(VectorOperators.EXP).add(1f);
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
                FloatVector e = FloatVector.fromArray(F, x, off + i).sub(s).lanewise(VectorOperators.EXP);
                e.intoArray(x, off + i);
                vsum = vsum.add(e);
            }
            sum = vsum.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - shift);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }
}
