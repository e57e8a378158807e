package dev.turbo4j.core.kernel;

/** The kernels for {@link Bf16PanelWeight}: the SIMD one and the scalar reference. */
public final class Bf16PanelKernels {
    private static final Bf16PanelKernel SIMD = new SimdBf16PanelKernel();
    private static final Bf16PanelKernel SCALAR = new ScalarBf16PanelKernel();

    private Bf16PanelKernels() {
    }

    /** The SIMD kernel at {@link SimdSpecies}'s width; stateless and shared. */
    public static Bf16PanelKernel simd() {
        return SIMD;
    }

    /** The scalar reference, the oracle of the property tests. */
    public static Bf16PanelKernel scalar() {
        return SCALAR;
    }
}
