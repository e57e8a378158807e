package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector width every SIMD kernel uses, fixed at class initialisation.
 *
 * <p>The width comes from the system property {@code turbo4j.vector.bits} (512, 256 or 128),
 * else it is the platform's preferred width; a width above the preferred one is lowered to
 * it (a wider shape than the hardware's would run in a slow emulation). The species are {@code static final} so that
 * C2 treats them as constants and compiles the kernels' vector code to SIMD instructions;
 * tests run the kernels once per width by starting a JVM per width.
 */
public final class SimdSpecies {
    /** Name of the system property that overrides the vector width. */
    public static final String BITS_PROPERTY = "turbo4j.vector.bits";

    /** F32 lanes: activations, accumulators and widened weights. */
    public static final VectorSpecies<Float> FLOAT = FloatVector.SPECIES_PREFERRED.withShape(shape());

    /** I32 lanes of the same width: pairs of 16-bit weights, widened in registers. */
    public static final VectorSpecies<Integer> INT = IntVector.SPECIES_PREFERRED.withShape(FLOAT.vectorShape());

    /** F32 lanes per vector. */
    public static final int FLOAT_LANES = FLOAT.length();

    private SimdSpecies() {
    }

    /** Width of the vectors in bits. */
    public static int bits() {
        return FLOAT.vectorBitSize();
    }

    private static VectorShape shape() {
        String prop = System.getProperty(BITS_PROPERTY);
        if (prop == null || prop.isBlank()) {
            return VectorShape.preferredShape();
        }
        int bits;
        try {
            bits = Integer.parseInt(prop.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(BITS_PROPERTY + " must be 128, 256 or 512, got '" + prop + "'");
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException(BITS_PROPERTY + " must be 128, 256 or 512, got " + bits);
        }
        return VectorShape.forBitSize(Math.min(bits, VectorShape.preferredShape().vectorBitSize()));
    }
}
