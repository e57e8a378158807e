package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.LinearWeight;

/**
 * Round-to-nearest 4-bit asymmetric quantization in groups along the input, with AutoAWQ's
 * rule (pseudo_quantize_tensor): per row and group, scale = f16(max(max − min, 1e-5) / 15),
 * zero = clamp(−round(min / scale), 0, 15), q = clamp(round(w / scale) + zero, 0, 15), the
 * scale rounded to F16 before q is computed (so q matches what is stored), ties to even.
 */
public final class Int4RtnQuantizer {
    private static final int MAX_Q = 15;

    private Int4RtnQuantizer() {
    }

    /** W quantized in groups of {@code groupSize} input channels; groupSize must divide in. */
    public static Int4Groups quantize(LinearWeight w, int groupSize) {
        int rows = w.outFeatures();
        int cols = w.inFeatures();
        if (groupSize <= 0 || cols % groupSize != 0) {
            throw new IllegalArgumentException("group size " + groupSize + " does not divide in_features " + cols);
        }
        int groups = cols / groupSize;
        byte[] q = new byte[rows * cols];
        byte[] zeros = new byte[rows * groups];
        short[] scales = new short[rows * groups];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.readRow(r, row, 0);
            for (int g = 0; g < groups; g++) {
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int c = g * groupSize; c < (g + 1) * groupSize; c++) {
                    min = Math.min(min, row[c]);
                    max = Math.max(max, row[c]);
                }
                short scaleBits = Float.floatToFloat16(Math.max(max - min, 1e-5f) / MAX_Q);
                float scale = Float.float16ToFloat(scaleBits);
                int zero = clamp((int) Math.rint(-min / scale));
                scales[r * groups + g] = scaleBits;
                zeros[r * groups + g] = (byte) zero;
                for (int c = g * groupSize; c < (g + 1) * groupSize; c++) {
                    q[r * cols + c] = (byte) clamp((int) Math.rint(row[c] / scale) + zero);
                }
            }
        }
        return new Int4Groups(rows, cols, groupSize, q, zeros, scales);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(MAX_Q, v));
    }
}
