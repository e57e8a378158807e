package dev.turbo4j.core.transformer;

import dev.turbo4j.core.model.ModelConfig;

/**
 * Rotary position embedding in Hugging Face's rotate-half form: dimension i pairs with
 * i + headDim/2, rotated by position × inverseFrequency[i]. Angles are computed in float,
 * as the reference does, so long positions round the same way.
 */
public final class Rope {
    private final float[] inverseFrequencies;
    private final int headDim;

    public Rope(ModelConfig config) {
        this.headDim = config.headDim();
        double[] inv = config.ropeScaling().inverseFrequencies(headDim, config.ropeTheta());
        this.inverseFrequencies = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            inverseFrequencies[i] = (float) inv[i];
        }
    }

    /** Fills cos/sin [headDim/2] for a position. */
    public void angles(int position, float[] cos, float[] sin) {
        for (int i = 0; i < inverseFrequencies.length; i++) {
            float angle = (float) position * inverseFrequencies[i];
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
    }

    /** Rotates one head vector x[off .. off + headDim) in place. */
    public void rotate(float[] x, int off, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float x0 = x[off + i];
            float x1 = x[off + i + half];
            x[off + i] = x0 * cos[i] - x1 * sin[i];
            x[off + i + half] = x1 * cos[i] + x0 * sin[i];
        }
    }
}
