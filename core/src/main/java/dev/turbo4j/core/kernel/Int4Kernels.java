package dev.turbo4j.core.kernel;

/** The kernels for {@link Int4GroupWeight}: the SIMD one and the scalar reference. */
public final class Int4Kernels {
    private static final Int4Kernel SIMD = new SimdInt4Kernel();
    private static final Int4Kernel SCALAR = new ScalarInt4Kernel();

    private Int4Kernels() {
    }

    /** The SIMD kernel at {@link SimdSpecies}'s width; stateless and shared. */
    public static Int4Kernel simd() {
        return SIMD;
    }

    /** The scalar reference, the oracle of the property tests. */
    public static Int4Kernel scalar() {
        return SCALAR;
    }
}
