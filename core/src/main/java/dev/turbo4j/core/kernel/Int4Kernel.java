package dev.turbo4j.core.kernel;

/**
 * A matrix multiply over an {@link Int4GroupWeight}: y[t, r] for r in [rowStart, rowEnd) and
 * every token t, with x [tokens × cols] and y [tokens × rows] token-major F32.
 *
 * <p>Implementations are batch invariant: y[t, r] depends only on row r and token t's
 * activations, bit for bit, whatever the token count (the engine batches sequences freely).
 */
public interface Int4Kernel {
    void multiply(Int4GroupWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd);
}
