package dev.turbo4j.core.model;

/**
 * config.json's rope_scaling. {@code type} is "default" (none), "linear" (positions divided
 * by factor) or "llama3" (Llama 3.1/3.2: low frequencies divided by factor, high ones kept,
 * a smooth blend between).
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings) {
    public static final RopeScaling NONE = new RopeScaling("default", 1, 1, 1, 0);

    /** The inverse frequencies of RoPE for a head of {@code headDim}, scaled as this says. */
    public double[] inverseFrequencies(int headDim, double theta) {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            // computed in float32 by the reference, so round the same way
            inv[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        }
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                for (int i = 0; i < half; i++) {
                    inv[i] /= factor;
                }
            }
            case "llama3" -> {
                double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
                double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
                for (int i = 0; i < half; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowFreqWavelen) {
                        inv[i] = inv[i] / factor;
                    } else if (wavelen >= highFreqWavelen) {
                        double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                    }
                }
            }
            default -> throw new IllegalStateException("unknown rope scaling " + type);
        }
        return inv;
    }
}
