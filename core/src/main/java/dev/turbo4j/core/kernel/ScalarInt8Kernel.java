package dev.turbo4j.core.kernel;

/** The scalar reference for int8 channel weights: sum of q · x in column order, times the row scale. */
final class ScalarInt8Kernel implements Int8Kernel {
    @Override
    public void multiply(Int8ChannelWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        int cols = w.cols();
        int rows = w.rows();
        for (int r = rowStart; r < rowEnd; r++) {
            for (int t = 0; t < tokens; t++) {
                float sum = 0f;
                for (int c = 0; c < cols; c++) {
                    sum += w.q(r, c) * x[t * cols + c];
                }
                y[t * rows + r] = sum * w.scale(r);
            }
        }
    }
}
