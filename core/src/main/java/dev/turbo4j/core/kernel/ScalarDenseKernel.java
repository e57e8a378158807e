package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar reference for every dense format: plain loops, double-free F32 accumulation in
 * index order. The SIMD kernels are tested against it.
 */
public record ScalarDenseKernel(DType dtype) implements DenseKernel {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public void multiply(MemorySegment w, int rows, int cols, float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            long base = (long) r * cols;
            for (int t = 0; t < tokens; t++) {
                int xBase = t * cols;
                float sum = 0f;
                for (int c = 0; c < cols; c++) {
                    sum += element(w, base + c) * x[xBase + c];
                }
                y[t * rows + r] = sum;
            }
        }
    }

    private float element(MemorySegment w, long index) {
        return switch (dtype) {
            case F32 -> w.getAtIndex(FLOAT, index);
            case BF16 -> Float.intBitsToFloat((w.getAtIndex(SHORT, index) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(w.getAtIndex(SHORT, index));
            default -> throw new IllegalStateException("no dense kernel for " + dtype);
        };
    }
}
