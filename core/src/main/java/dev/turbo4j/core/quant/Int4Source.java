package dev.turbo4j.core.quant;

/**
 * A 4-bit group-quantized weight in some stored layout (AutoAWQ gemm, GPTQ, …), read in
 * logical terms: W[r][c] = (q[r][c] − zero[r][g]) · scale[r][g], g = c / groupSize, for the
 * HF weight shape [rows = out, cols = in].
 */
public interface Int4Source {
    int rows();

    int cols();

    int groupSize();

    /**
     * Writes q[row0 + i][c] (0..15) to dst[i * cols + c] for i in [0, count). Sources read
     * their layout in its storage order here, so repacking streams through memory.
     */
    void unpackRows(int row0, int count, byte[] dst);

    /** The zero point of row r, group g (0..16). */
    int zero(int r, int g);

    /** The scale of row r, group g, as IEEE half bits. */
    short scaleBits(int r, int g);
}
