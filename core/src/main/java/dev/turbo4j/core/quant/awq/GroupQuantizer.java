package dev.turbo4j.core.quant.awq;

/**
 * Round-to-nearest weight quantization per output row in groups of input columns, with
 * AutoAWQ's rules (awq/quantize/quantizer.py pseudo_quantize_tensor), the scale rounded to f16
 * first because that is what the checkpoint stores:
 * <ul>
 * <li>asymmetric (zero point): scale = f16(max(max − min, 1e-5) / (2^bits − 1)),
 *     zero = clamp(−round(min / scale), 0, 2^bits − 1), q = clamp(round(w / scale) + zero, 0, 2^bits − 1);</li>
 * <li>symmetric: scale = f16(max(max |w|, 1e-5) / (2^(bits−1) − 1)),
 *     q = clamp(round(w / scale), −2^(bits−1), 2^(bits−1) − 1), stored offset by a zero of 2^(bits−1).</li>
 * </ul>
 * Rounding is half-to-even, as torch.round.
 *
 * @param groupSize input columns per group; −1 means one group per row (per-channel)
 */
public record GroupQuantizer(int bits, int groupSize, boolean symmetric) {
    /** AutoAWQ's floor on a group's range, so constant groups get a usable scale. */
    private static final float MIN_RANGE = 1e-5f;

    public GroupQuantizer {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("--w-bits must be between 2 and 8, got " + bits);
        }
        if (groupSize == 0 || groupSize < -1) {
            throw new IllegalArgumentException("--w-group-size must be positive or -1 (per channel), got " + groupSize);
        }
    }

    /** The group size for a layer with {@code cols} inputs (−1 resolves to cols). */
    public int groupSizeFor(int cols) {
        return groupSize == -1 ? cols : groupSize;
    }

    /** Quantizes w; its column count must be a multiple of the group size. */
    public QuantizedLinear quantize(FloatMatrix w) {
        int rows = w.rows();
        int cols = w.cols();
        int group = groupSizeFor(cols);
        if (cols % group != 0) {
            throw new IllegalArgumentException("group size " + group + " does not divide " + cols + " input columns");
        }
        int groups = cols / group;
        byte[] q = new byte[rows * cols];
        byte[] zeros = new byte[rows * groups];
        float[] scales = new float[rows * groups];
        float[] data = w.data();
        int maxQ = (1 << bits) - 1;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                int start = r * cols + g * group;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = start; i < start + group; i++) {
                    min = Math.min(min, data[i]);
                    max = Math.max(max, data[i]);
                }
                float scale;
                int zero;
                if (symmetric) {
                    int maxInt = (1 << (bits - 1)) - 1;
                    scale = toF16(Math.max(Math.max(Math.abs(min), Math.abs(max)), MIN_RANGE) / maxInt);
                    zero = 1 << (bits - 1);
                } else {
                    scale = toF16(Math.max(max - min, MIN_RANGE) / maxQ);
                    zero = clamp((int) Math.rint(-min / scale), 0, maxQ);
                }
                scales[r * groups + g] = scale;
                zeros[r * groups + g] = (byte) zero;
                for (int i = start; i < start + group; i++) {
                    q[i] = (byte) clamp((int) Math.rint(data[i] / scale) + zero, 0, maxQ);
                }
            }
        }
        return new QuantizedLinear(rows, cols, bits, group, q, zeros, scales);
    }

    /** W' = dequantize(quantize(W)): the weight as the quantized model will see it. */
    public FloatMatrix pseudoQuantize(FloatMatrix w) {
        return quantize(w).dequantize();
    }

    private static float toF16(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
