package dev.turbo4j.core.quant.awq;

/**
 * Per-input-channel statistics of a linear layer's activations over all calibration tokens:
 * max |x| and mean |x|, as LMDeploy's ActivationObserver keeps them (absmax, absmean).
 */
public final class ChannelStats {
    private final float[] absMax;
    private final double[] absSum;
    private long tokens;

    public ChannelStats(int channels) {
        this.absMax = new float[channels];
        this.absSum = new double[channels];
    }

    /** Adds {@code tokens} rows of x [tokens × channels]. */
    public void observe(float[] x, int tokens) {
        int channels = absMax.length;
        for (int t = 0; t < tokens; t++) {
            int base = t * channels;
            for (int c = 0; c < channels; c++) {
                float a = Math.abs(x[base + c]);
                absSum[c] += a;
                if (a > absMax[c]) {
                    absMax[c] = a;
                }
            }
        }
        this.tokens += tokens;
    }

    public int channels() {
        return absMax.length;
    }

    public long tokens() {
        return tokens;
    }

    /** max |x| per channel. */
    public float[] absMax() {
        return absMax.clone();
    }

    /** mean |x| per channel. */
    public float[] absMean() {
        float[] out = new float[absSum.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = tokens == 0 ? 0f : (float) (absSum[c] / tokens);
        }
        return out;
    }

    /** mean |x| per channel of one batch, without keeping it (the scale search's statistic). */
    public static float[] absMeanOf(float[] x, int tokens, int channels) {
        ChannelStats s = new ChannelStats(channels);
        s.observe(x, tokens);
        return s.absMean();
    }
}
