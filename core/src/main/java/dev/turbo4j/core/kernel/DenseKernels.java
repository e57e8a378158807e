package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

/** Picks the kernel for a dense weight format. */
public final class DenseKernels {
    private static final DenseKernel F32 = new F32DenseKernel();
    private static final DenseKernel BF16 = new Bf16DenseKernel();
    private static final DenseKernel F16 = new F16DenseKernel();

    private DenseKernels() {
    }

    /**
     * The fastest available kernel for {@code dtype}: the SIMD kernel at
     * {@link SimdSpecies}'s width. Kernels are stateless and shared.
     *
     * @throws IllegalArgumentException if dtype is not a dense weight format (F32, BF16, F16)
     */
    public static DenseKernel forDType(DType dtype) {
        return switch (dtype) {
            case F32 -> F32;
            case BF16 -> BF16;
            case F16 -> F16;
            default -> throw new IllegalArgumentException("no dense kernel for " + dtype);
        };
    }

    /** The scalar reference kernel for {@code dtype}, for tests and comparisons. */
    public static DenseKernel scalarForDType(DType dtype) {
        return new ScalarDenseKernel(dtype);
    }
}
