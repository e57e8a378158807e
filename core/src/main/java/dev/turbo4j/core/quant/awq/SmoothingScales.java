package dev.turbo4j.core.quant.awq;

/**
 * AWQ's per-input-channel scales, as LMDeploy computes them (lite/quantization/awq.py
 * get_weight_scale, smooth_ln_fcs, smooth_fc_fcs):
 * <pre>
 * w[c] = mean over rows of |W[r][c]| / max |W[r][group of c]|    (weight salience, per group)
 * s[c] = max(act[c]^α / max(w[c]^(1−α), 1e-4), 1e-4)
 * s    = s / sqrt(max(s) · min(s))                                 (centred around 1)
 * </pre>
 * Channels with large activations get s > 1, so their weights use more of the quantization
 * grid; α = 0 ignores activations, α = 1 ignores weights.
 */
public final class SmoothingScales {
    private static final float FLOOR = 1e-4f;

    private SmoothingScales() {
    }

    /** Per-column mean of |w| relative to its row-group's max |w| (groupSize −1: whole rows). */
    public static float[] weightSalience(FloatMatrix w, int groupSize) {
        int rows = w.rows();
        int cols = w.cols();
        int group = groupSize == -1 ? cols : groupSize;
        float[] data = w.data();
        double[] sum = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int g0 = 0; g0 < cols; g0 += group) {
                int base = r * cols + g0;
                float max = 0f;
                for (int i = 0; i < group; i++) {
                    max = Math.max(max, Math.abs(data[base + i]));
                }
                // An all-zero group contributes nothing (LMDeploy would divide by zero here).
                float inv = max == 0f ? 0f : 1f / max;
                for (int i = 0; i < group; i++) {
                    sum[g0 + i] += Math.abs(data[base + i]) * inv;
                }
            }
        }
        float[] out = new float[cols];
        for (int c = 0; c < cols; c++) {
            out[c] = (float) (sum[c] / rows);
        }
        return out;
    }

    /**
     * The scales for exponent α; {@code fixed} (may be null) marks channels that keep scale 1
     * and are left out of the normalisation.
     */
    public static float[] compute(float[] activation, float[] salience, double alpha, boolean[] fixed) {
        int n = activation.length;
        if (salience.length != n) {
            throw new IllegalArgumentException("activation statistics cover " + n + " channels, weights " + salience.length);
        }
        float[] s = new float[n];
        float max = 0f;
        float min = Float.POSITIVE_INFINITY;
        for (int c = 0; c < n; c++) {
            double a = Math.pow(activation[c], alpha);
            double w = Math.max(Math.pow(salience[c], 1 - alpha), FLOOR);
            s[c] = (float) Math.max(a / w, FLOOR);
            if (fixed == null || !fixed[c]) {
                max = Math.max(max, s[c]);
                min = Math.min(min, s[c]);
            }
        }
        float norm = max == 0f ? 1f : (float) Math.sqrt((double) max * min);
        for (int c = 0; c < n; c++) {
            s[c] = fixed != null && fixed[c] ? 1f : s[c] / norm;
        }
        return s;
    }
}
