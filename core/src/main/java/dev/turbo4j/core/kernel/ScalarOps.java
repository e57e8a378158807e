package dev.turbo4j.core.kernel;

/**
 * The element-wise and reduction kernels of the forward pass (everything but the matmuls),
 * on F32 arrays with explicit offsets: the plain-loop reference that {@link VectorOps} is
 * tested against.
 */
public final class ScalarOps {
    private ScalarOps() {
    }

    /** sum_i a[aOff + i] * b[bOff + i] for i in [0, n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** y[yOff + i] += alpha * x[xOff + i]. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** x[off + i] *= alpha. */
    public static void scale(float alpha, float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    /** y[yOff + i] += x[xOff + i]. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    /** out = x / rms(x) * weight, rms(x) = sqrt(mean(x^2) + eps). out may alias x. */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float eps, int n) {
        float ss = dot(x, xOff, x, xOff, n);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = weight[i] * (inv * x[xOff + i]);
        }
    }

    /** gate[i] = silu(gate[i]) * up[i], silu(v) = v / (1 + e^-v). */
    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = g / (1f + (float) Math.exp(-g)) * up[uOff + i];
        }
    }

    /** Max of x[off .. off + n). */
    public static float max(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /** x[i] = exp(x[i] − shift) for x[off .. off + n), returning their sum. */
    public static float expShifted(float[] x, int off, int n, float shift) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - shift);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }
}
