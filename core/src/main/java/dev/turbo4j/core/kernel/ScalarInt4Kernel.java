package dev.turbo4j.core.kernel;

/**
 * The scalar reference for int4 group weights: each element dequantized exactly,
 * {@code (q − zero) · scale}, and summed in column order in F32.
 */
final class ScalarInt4Kernel implements Int4Kernel {
    @Override
    public void multiply(Int4GroupWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        int cols = w.cols();
        int rows = w.rows();
        for (int r = rowStart; r < rowEnd; r++) {
            for (int t = 0; t < tokens; t++) {
                float sum = 0f;
                for (int c = 0; c < cols; c++) {
                    sum += w.get(r, c) * x[t * cols + c];
                }
                y[t * rows + r] = sum;
            }
        }
    }
}
