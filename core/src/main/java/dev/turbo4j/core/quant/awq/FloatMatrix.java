package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A mutable F32 weight matrix [rows × cols] in Hugging Face's [out, in] order, row-major.
 * AWQ edits weights in place (scales folded into rows or columns, pseudo-quantized copies),
 * so the algorithm works on these heap copies rather than on the memory-mapped model.
 */
public final class FloatMatrix {
    private final int rows;
    private final int cols;
    private final float[] data;

    public FloatMatrix(int rows, int cols, float[] data) {
        if (data.length != rows * cols) {
            throw new IllegalArgumentException("matrix data has " + data.length + " values, expected " + rows + "x" + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /** A widened F32 copy of any linear weight. */
    public static FloatMatrix copyOf(LinearWeight w) {
        int rows = w.outFeatures();
        int cols = w.inFeatures();
        float[] data = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            w.readRow(r, data, r * cols);
        }
        return new FloatMatrix(rows, cols, data);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The backing array (row-major, not a copy). */
    public float[] data() {
        return data;
    }

    public FloatMatrix copy() {
        return new FloatMatrix(rows, cols, data.clone());
    }

    /** The matrices stacked by rows (they must share their column count). */
    public static FloatMatrix stackRows(FloatMatrix... parts) {
        int rows = 0;
        for (FloatMatrix p : parts) {
            if (p.cols != parts[0].cols) {
                throw new IllegalArgumentException("stacked matrices must have the same number of columns");
            }
            rows += p.rows;
        }
        float[] out = new float[rows * parts[0].cols];
        int off = 0;
        for (FloatMatrix p : parts) {
            System.arraycopy(p.data, 0, out, off, p.data.length);
            off += p.data.length;
        }
        return new FloatMatrix(rows, parts[0].cols, out);
    }

    /** W[:, c] *= scales[c]: the input side of a linear layer takes a per-channel scale. */
    public void scaleColumns(float[] scales) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                data[base + c] *= scales[c];
            }
        }
    }

    /** W[r, :] /= scales[r - rowStart] for r in [rowStart, rowStart + scales.length). */
    public void divideRows(int rowStart, float[] scales) {
        for (int i = 0; i < scales.length; i++) {
            float inv = 1f / scales[i];
            int base = (rowStart + i) * cols;
            for (int c = 0; c < cols; c++) {
                data[base + c] *= inv;
            }
        }
    }

    /**
     * This matrix as a kernel weight: an F32 copy off the heap (the SIMD kernels read
     * memory segments), freed when {@code arena} closes.
     */
    public LinearWeight toLinear(Arena arena) {
        MemorySegment segment = arena.allocate((long) data.length * Float.BYTES, 64);
        MemorySegment.copy(data, 0, segment, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, data.length);
        return DenseWeight.of(segment, DType.F32, rows, cols);
    }
}
