package dev.turbo4j.core.kernel;

/**
 * A matrix multiply over a {@link Bf16PanelWeight}: y[t, r] = Σ_k W[r, k] x[t, k] for tokens
 * [0, tokens) and rows [rowStart, rowEnd), each sum an FMA chain over k in order, so every
 * implementation gives the same bits, whatever the number of tokens.
 */
public interface Bf16PanelKernel {
    void multiply(Bf16PanelWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd);
}
