package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A dense row-major weight in F32, BF16 or F16, usually a memory-mapped slice of a
 * safetensors file. The multiply runs on the fastest kernel for its dtype.
 */
public record DenseWeight(MemorySegment data, DType dtype, int rows, int cols, DenseKernel kernel)
        implements LinearWeight {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    public DenseWeight {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("dense weights must be F32, BF16 or F16, not " + dtype);
        }
        if (data.byteSize() != (long) rows * cols * dtype.byteSize()) {
            throw new IllegalArgumentException("weight data holds " + data.byteSize() + " bytes, expected "
                    + rows + "x" + cols + "x" + dtype.byteSize());
        }
    }

    /** A weight on the default (SIMD) kernel for its dtype. */
    public static DenseWeight of(MemorySegment data, DType dtype, int rows, int cols) {
        return new DenseWeight(data, dtype, rows, cols, DenseKernels.forDType(dtype));
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
        return data.byteSize();
    }

    @Override
    public void multiply(float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        kernel.multiply(data, rows, cols, x, tokens, y, rowStart, rowEnd);
    }

    /** Element (r, c) widened to float; for tests and slow paths. */
    public float get(int r, int c) {
        long index = (long) r * cols + c;
        return switch (dtype) {
            case F32 -> data.getAtIndex(FLOAT, index);
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(SHORT, index) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(data.getAtIndex(SHORT, index));
            default -> throw new IllegalStateException();
        };
    }

    @Override
    public void readRow(int r, float[] dst, int offset) {
        for (int c = 0; c < cols; c++) {
            dst[offset + c] = get(r, c);
        }
    }
}
