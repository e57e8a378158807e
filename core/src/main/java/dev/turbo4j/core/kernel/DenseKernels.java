package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

/** Picks the kernel for a dense weight format. */
public final class DenseKernels {
    private DenseKernels() {
    }

    /** The fastest available kernel for {@code dtype}. */
    public static DenseKernel forDType(DType dtype) {
        return new ScalarDenseKernel(dtype);
    }
}
