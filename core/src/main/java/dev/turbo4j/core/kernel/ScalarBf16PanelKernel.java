package dev.turbo4j.core.kernel;

/** The scalar reference for BF16 panels: one FMA chain over the columns in order per output. */
final class ScalarBf16PanelKernel implements Bf16PanelKernel {
    @Override
    public void multiply(Bf16PanelWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        int cols = w.cols();
        int rows = w.rows();
        for (int r = rowStart; r < rowEnd; r++) {
            for (int t = 0; t < tokens; t++) {
                float acc = 0f;
                for (int c = 0; c < cols; c++) {
                    acc = Math.fma(w.get(r, c), x[t * cols + c], acc);
                }
                y[t * rows + r] = acc;
            }
        }
    }
}
