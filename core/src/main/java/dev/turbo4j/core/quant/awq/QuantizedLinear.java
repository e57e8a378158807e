package dev.turbo4j.core.quant.awq;

import java.util.Arrays;

/**
 * A linear weight [rows × cols] quantized per output row in groups of {@code groupSize}
 * input columns: {@code W'[r][c] = (q[r][c] − zero[r][g]) · scale[r][g]} with g = c / groupSize.
 * q and zero are unsigned (0 .. 2^bits − 1); scales hold f16-representable values, as
 * AutoAWQ stores them. Symmetric quantization is stored the same way with a zero of 2^(bits−1).
 *
 * @param q      quantized values, row-major [rows × cols]
 * @param zeros  zero points, [rows × groups]
 * @param scales scales, [rows × groups]
 */
public record QuantizedLinear(int rows, int cols, int bits, int groupSize, byte[] q, byte[] zeros, float[] scales) {

    public QuantizedLinear {
        if (cols % groupSize != 0) {
            throw new IllegalArgumentException("group size " + groupSize + " does not divide " + cols + " columns");
        }
        if (q.length != rows * cols || zeros.length != rows * (cols / groupSize) || scales.length != zeros.length) {
            throw new IllegalArgumentException("quantized arrays do not match " + rows + "x" + cols + " in groups of " + groupSize);
        }
    }

    public int groups() {
        return cols / groupSize;
    }

    /** Unsigned quantized value at (r, c). */
    public int q(int r, int c) {
        return q[r * cols + c] & 0xFF;
    }

    /** Unsigned zero point of row r, group g. */
    public int zero(int r, int g) {
        return zeros[r * groups() + g] & 0xFF;
    }

    public float scale(int r, int g) {
        return scales[r * groups() + g];
    }

    /** Rows [from, to) (output channels) as a layer of their own. */
    public QuantizedLinear rowSlice(int from, int to) {
        int g = groups();
        return new QuantizedLinear(to - from, cols, bits, groupSize,
                Arrays.copyOfRange(q, from * cols, to * cols),
                Arrays.copyOfRange(zeros, from * g, to * g),
                Arrays.copyOfRange(scales, from * g, to * g));
    }

    /** W' in F32: exact, since |q − z| < 2^bits times an f16 fits a float. */
    public FloatMatrix dequantize() {
        float[] out = new float[rows * cols];
        int groups = groups();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int g = r * groups + c / groupSize;
                out[r * cols + c] = ((q[r * cols + c] & 0xFF) - (zeros[g] & 0xFF)) * scales[g];
            }
        }
        return new FloatMatrix(rows, cols, out);
    }
}
