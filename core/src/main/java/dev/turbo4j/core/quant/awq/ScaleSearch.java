package dev.turbo4j.core.quant.awq;

import java.lang.foreign.Arena;

/**
 * The grid search of AWQ's exponent α for one scale group and one calibration batch, as
 * LMDeploy's auto_scale_block does: for α = 0, 0.05, …, 0.95 the group's following linears
 * are replaced by Q(W·s)/s (scaled, pseudo-quantized, unscaled, which is what folding s
 * and quantizing does to the float model) and the block's output is compared with the
 * float block's; the α with the least mean squared error wins. Here s uses the batch's
 * mean |x|, and the original input is replayed, so each group is searched on its own.
 */
public final class ScaleSearch {
    /** Grid points: α = i / GRID for i in [0, GRID). */
    public static final int GRID = 20;

    private final LayerForward forward;
    private final GroupQuantizer quantizer;

    public ScaleSearch(LayerForward forward, GroupQuantizer quantizer) {
        this.forward = forward;
        this.quantizer = quantizer;
    }

    /** The best α for {@code group} of {@code layer} (its weights unchanged) on one batch. */
    public double bestAlpha(ScaleGroup group, FloatLayer layer, LayerTrace trace, int sequences, int length) {
        float[] input = trace.inputOf(group);
        FloatMatrix following = group.following(layer);
        int channels = following.cols();
        float[] activation = ChannelStats.absMeanOf(input, trace.tokens(), channels);
        float[] salience = SmoothingScales.weightSalience(following, quantizer.groupSizeFor(channels));
        boolean[] fixed = group.fixedChannels(layer);
        try (Arena arena = Arena.ofShared()) {
            FloatLayer.Linears original = layer.linears(arena);
            float[] reference = forward.blockOutput(group, layer, original, input, sequences, length);
            double bestError = Double.POSITIVE_INFINITY;
            double bestAlpha = 0;
            for (int i = 0; i < GRID; i++) {
                double alpha = (double) i / GRID;
                float[] s = SmoothingScales.compute(activation, salience, alpha, fixed);
                try (Arena trial = Arena.ofShared()) {
                    FloatLayer.Linears candidate = original.with(group, quantizedAsFolded(following, s).toLinear(trial));
                    float[] out = forward.blockOutput(group, layer, candidate, input, sequences, length);
                    double error = meanSquaredError(reference, out);
                    if (error < bestError) {
                        bestError = error;
                        bestAlpha = alpha;
                    }
                }
            }
            return bestAlpha;
        }
    }

    /** Q(W · s) / s, column-wise. */
    private FloatMatrix quantizedAsFolded(FloatMatrix w, float[] s) {
        FloatMatrix scaled = w.copy();
        scaled.scaleColumns(s);
        FloatMatrix q = quantizer.pseudoQuantize(scaled);
        float[] inverse = new float[s.length];
        for (int c = 0; c < s.length; c++) {
            inverse[c] = 1f / s[c];
        }
        q.scaleColumns(inverse);
        return q;
    }

    private static double meanSquaredError(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum / a.length;
    }
}
