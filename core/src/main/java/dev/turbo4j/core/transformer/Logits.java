package dev.turbo4j.core.transformer;

/**
 * Logits of a step, [rows × vocab]: the rows each chunk asked for, in chunk order.
 * {@code rowStart[c]} is chunk c's first row.
 */
public record Logits(float[] data, int rows, int vocab, int[] rowStart) {

    /** Copies row r out. */
    public float[] row(int r) {
        float[] out = new float[vocab];
        System.arraycopy(data, r * vocab, out, 0, vocab);
        return out;
    }

    /** The last row chunk c asked for (its next-token logits). */
    public float[] lastOf(int chunk, SequenceChunk c) {
        return row(rowStart[chunk] + c.logitRows() - 1);
    }
}
