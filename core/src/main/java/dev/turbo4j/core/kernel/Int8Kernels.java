package dev.turbo4j.core.kernel;

/** The kernels for {@link Int8ChannelWeight}: the SIMD one and the scalar reference. */
public final class Int8Kernels {
    private static final Int8Kernel SIMD = new SimdInt8Kernel();
    private static final Int8Kernel SCALAR = new ScalarInt8Kernel();

    private Int8Kernels() {
    }

    /** The SIMD kernel at {@link SimdSpecies}'s width; stateless and shared. */
    public static Int8Kernel simd() {
        return SIMD;
    }

    /** The scalar reference, the oracle of the property tests. */
    public static Int8Kernel scalar() {
        return SCALAR;
    }
}
