package dev.turbo4j.core.kernel;

/**
 * The weight of a linear layer, {@code y = W x}, with W of shape [outFeatures × inFeatures]
 * (Hugging Face's [out, in] order). Implementations keep W in its stored format (F32, BF16,
 * F16, later int8/int4 groups) and widen it in registers; activations are F32.
 *
 * <p>Activations for T tokens are packed token-major: {@code x[t * inFeatures + c]} and
 * {@code y[t * outFeatures + r]}. {@link #multiply} computes only rows [rowStart, rowEnd) so
 * that {@link MatMul} can split the rows across the worker pool.
 */
public interface LinearWeight {
    int inFeatures();

    int outFeatures();

    /** Bytes of weight data read by one full multiply (what bounds decode speed). */
    long byteSize();

    /** y[t, r] = sum_c W[r, c] * x[t, c] for t in [0, tokens), r in [rowStart, rowEnd). */
    void multiply(float[] x, int tokens, float[] y, int rowStart, int rowEnd);

    /** Copies row r of W, widened to F32, into dst[offset .. offset + inFeatures). */
    void readRow(int r, float[] dst, int offset);
}
