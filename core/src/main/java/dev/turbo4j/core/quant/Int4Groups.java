package dev.turbo4j.core.quant;

/**
 * A 4-bit group-quantized weight held unpacked on the heap, one value per byte: what the
 * quantizers produce and the checkpoint writers pack. Row-major [rows × cols] q values,
 * [rows × cols / groupSize] zeros and scales (half bits).
 */
public record Int4Groups(int rows, int cols, int groupSize, byte[] q, byte[] zeros, short[] scales)
        implements Int4Source {

    public Int4Groups {
        if (cols % groupSize != 0) {
            throw new IllegalArgumentException("group size " + groupSize + " does not divide " + cols);
        }
        int groups = rows * (cols / groupSize);
        if (q.length != rows * cols || zeros.length != groups || scales.length != groups) {
            throw new IllegalArgumentException("arrays do not match " + rows + "x" + cols + " in groups of " + groupSize);
        }
    }

    public int groupsPerRow() {
        return cols / groupSize;
    }

    public int q(int r, int c) {
        return q[r * cols + c];
    }

    @Override
    public void unpackRows(int row0, int count, byte[] dst) {
        System.arraycopy(q, row0 * cols, dst, 0, count * cols);
    }

    @Override
    public int zero(int r, int g) {
        return zeros[r * groupsPerRow() + g];
    }

    @Override
    public short scaleBits(int r, int g) {
        return scales[r * groupsPerRow() + g];
    }

    /** Element (r, c) dequantized (exact in F32). */
    public float get(int r, int c) {
        int g = c / groupSize;
        return (q(r, c) - zero(r, g)) * Float.float16ToFloat(scaleBits(r, g));
    }
}
