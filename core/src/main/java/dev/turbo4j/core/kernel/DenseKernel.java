package dev.turbo4j.core.kernel;

import java.lang.foreign.MemorySegment;

/**
 * A matrix multiply over one dense weight format. {@code w} holds [rows × cols] row-major
 * elements of the kernel's dtype; x is [tokens × cols], y is [tokens × rows], both F32.
 * Computes y[t, r] for r in [rowStart, rowEnd) and every t.
 */
public interface DenseKernel {
    void multiply(MemorySegment w, int rows, int cols, float[] x, int tokens, float[] y, int rowStart, int rowEnd);
}
