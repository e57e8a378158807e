package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar reference for every dense format: plain loops, double-free F32 accumulation in
 * index order. The SIMD kernels are tested against it, and use {@link #dot} for the columns
 * left over after their last whole vector.
 */
public record ScalarDenseKernel(DType dtype) implements DenseKernel {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public void multiply(MemorySegment w, int rows, int cols, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            for (int t = 0; t < tokens; t++) {
                y[t * rows + r] = dot(dtype, w, (long) r * cols, x, t * cols, 0, cols);
            }
        }
    }

    /** sum_{c in [from, to)} W[rowBase + c] * x[xBase + c], in index order. */
    static float dot(DType dtype, MemorySegment w, long rowBase, float[] x, int xBase, int from, int to) {
        float sum = 0f;
        for (int c = from; c < to; c++) {
            sum += element(dtype, w, rowBase + c) * x[xBase + c];
        }
        return sum;
    }

    private static float element(DType dtype, MemorySegment w, long index) {
        return switch (dtype) {
            case F32 -> w.getAtIndex(FLOAT, index);
            case BF16 -> Float.intBitsToFloat((w.getAtIndex(SHORT, index) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(w.getAtIndex(SHORT, index));
            default -> throw new IllegalStateException("no dense kernel for " + dtype);
        };
    }
}
