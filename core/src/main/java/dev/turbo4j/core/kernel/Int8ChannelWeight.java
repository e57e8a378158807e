package dev.turbo4j.core.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A linear weight quantized to int8 per output channel, symmetric: element (r, c) is
 * {@code q[r][c] · scale[r]}. The layout is also the stored one (quant_method
 * "turbo4j-int8"), so loading needs no repacking: {@code q} is [rows × cols] signed bytes,
 * row-major; {@code scales} is [rows] little-endian F32. cols must be a multiple of
 * {@value #COLUMN_MULTIPLE}.
 */
public record Int8ChannelWeight(MemorySegment q, MemorySegment scales, int rows, int cols, Int8Kernel kernel)
        implements LinearWeight {
    /** The kernels read 64 columns (one 512-bit vector of bytes) per step. */
    public static final int COLUMN_MULTIPLE = 64;

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Int8ChannelWeight {
        if (cols <= 0 || cols % COLUMN_MULTIPLE != 0) {
            throw new IllegalArgumentException("int8 weights need cols to be a multiple of " + COLUMN_MULTIPLE + ", got " + cols);
        }
        if (q.byteSize() != (long) rows * cols || scales.byteSize() != (long) rows * Float.BYTES) {
            throw new IllegalArgumentException("int8 weight segments do not match " + rows + "x" + cols);
        }
    }

    /** A weight on the SIMD kernel. */
    public static Int8ChannelWeight of(MemorySegment q, MemorySegment scales, int rows, int cols) {
        return new Int8ChannelWeight(q, scales, rows, cols, Int8Kernels.simd());
    }

    /** The same weight on another kernel (the scalar reference in tests). */
    public Int8ChannelWeight withKernel(Int8Kernel other) {
        return new Int8ChannelWeight(q, scales, rows, cols, other);
    }

    public int q(int r, int c) {
        return q.get(ValueLayout.JAVA_BYTE, (long) r * cols + c);
    }

    public float scale(int r) {
        return scales.getAtIndex(FLOAT, r);
    }

    @Override
    public int inFeatures() {
        return cols;
    }

    @Override
    public int outFeatures() {
        return rows;
    }

    @Override
    public long byteSize() {
        return q.byteSize() + scales.byteSize();
    }

    @Override
    public void multiply(float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        kernel.multiply(this, x, tokens, y, rowStart, rowEnd);
    }

    @Override
    public void readRow(int r, float[] dst, int offset) {
        float s = scale(r);
        for (int c = 0; c < cols; c++) {
            dst[offset + c] = q(r, c) * s;
        }
    }
}
