package dev.turbo4j.core.kernel;

import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fails when a test run meant for one vector width runs at another: the build's extra
 * surefire executions set {@value #EXPECTED_PROPERTY} alongside turbo4j.vector.bits.
 */
class SimdSpeciesTest {
    static final String EXPECTED_PROPERTY = "turbo4j.test.expectedVectorBits";

    @Test
    void runsAtTheWidthThisTestRunAskedFor() {
        int preferred = VectorShape.preferredShape().vectorBitSize();
        String expected = System.getProperty(EXPECTED_PROPERTY, System.getProperty(SimdSpecies.BITS_PROPERTY));
        int expectedBits = expected == null ? preferred : Math.min(preferred, Integer.parseInt(expected));
        assertThat(SimdSpecies.bits()).isEqualTo(expectedBits);
        assertThat(SimdSpecies.INT.vectorBitSize()).isEqualTo(expectedBits);
        assertThat(SimdSpecies.FLOAT_LANES).isEqualTo(expectedBits / 32);
    }
}
