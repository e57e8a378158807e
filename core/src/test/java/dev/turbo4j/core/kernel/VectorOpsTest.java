package dev.turbo4j.core.kernel;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The SIMD element-wise kernels against the scalar reference, on sizes around the vector length. */
class VectorOpsTest {
    private static final int[] SIZES = {0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 47, 64, 100, 2048, 2051};
    private static final int OFFSET = 3;

    private final Random random = new Random(5);

    @Test
    void dot() {
        for (int n : SIZES) {
            float[] a = values(n + OFFSET);
            float[] b = values(n + 1);
            float expected = ScalarOps.dot(a, OFFSET, b, 1, n);
            assertThat(VectorOps.dot(a, OFFSET, b, 1, n)).as("n=%d", n).isCloseTo(expected, within(tolerance(n)));
        }
    }

    @Test
    void axpy() {
        for (int n : SIZES) {
            float[] x = values(n + OFFSET);
            float[] y = values(n + 1);
            float[] expected = y.clone();
            ScalarOps.axpy(0.7f, x, OFFSET, expected, 1, n);
            VectorOps.axpy(0.7f, x, OFFSET, y, 1, n);
            assertClose(y, expected, 1e-6f, n);
        }
    }

    @Test
    void scaleAndAdd() {
        for (int n : SIZES) {
            float[] x = values(n + OFFSET);
            float[] y = values(n + 1);
            float[] expectedX = x.clone();
            float[] expectedY = y.clone();
            ScalarOps.scale(-1.5f, expectedX, OFFSET, n);
            VectorOps.scale(-1.5f, x, OFFSET, n);
            assertThat(x).as("scale n=%d", n).containsExactly(expectedX);
            ScalarOps.add(x, OFFSET, expectedY, 1, n);
            VectorOps.add(x, OFFSET, y, 1, n);
            assertThat(y).as("add n=%d", n).containsExactly(expectedY);
        }
    }

    @Test
    void rmsNormInPlaceAndOutOfPlace() {
        for (int n : SIZES) {
            if (n == 0) {
                continue;
            }
            float[] x = values(n + OFFSET);
            float[] weight = values(n);
            float[] expected = new float[n + 1];
            float[] actual = new float[n + 1];
            ScalarOps.rmsNorm(expected, 1, x, OFFSET, weight, 1e-5f, n);
            VectorOps.rmsNorm(actual, 1, x, OFFSET, weight, 1e-5f, n);
            assertClose(actual, expected, 1e-5f, n);
            float[] inPlace = x.clone();
            VectorOps.rmsNorm(inPlace, OFFSET, inPlace, OFFSET, weight, 1e-5f, n);
            for (int i = 0; i < n; i++) {
                assertThat(inPlace[OFFSET + i]).as("in place n=%d i=%d", n, i).isCloseTo(expected[1 + i], within(1e-5f));
            }
        }
    }

    @Test
    void siluMulIncludingLargeMagnitudes() {
        for (int n : SIZES) {
            float[] gate = values(n + OFFSET);
            for (int i = 0; i < gate.length; i += 5) {
                gate[i] *= 200; // e^-v overflows or vanishes
            }
            float[] up = values(n + 1);
            float[] expected = gate.clone();
            ScalarOps.siluMul(expected, OFFSET, up, 1, n);
            VectorOps.siluMul(gate, OFFSET, up, 1, n);
            for (int i = 0; i < gate.length; i++) {
                assertThat(gate[i]).as("n=%d i=%d", n, i)
                        .isCloseTo(expected[i], within(1e-6f * Math.max(1f, Math.abs(expected[i]))));
            }
        }
    }

    @Test
    void expShiftedGivesSoftmaxWeightsAndTheirSum() {
        Random random = new Random(12);
        for (int n : new int[] {0, 1, 7, 16, 33, 64, 100}) {
            float[] x = new float[OFFSET + n];
            for (int i = 0; i < n; i++) {
                x[OFFSET + i] = (float) (random.nextGaussian() * 10);
            }
            float shift = ScalarOps.max(x, OFFSET, n);
            float[] expected = x.clone();
            float expectedSum = ScalarOps.expShifted(expected, OFFSET, n, shift);
            float sum = VectorOps.expShifted(x, OFFSET, n, shift);
            for (int i = 0; i < OFFSET + n; i++) {
                assertThat(x[i]).as("n=%d, i=%d", n, i).isCloseTo(expected[i], within(2e-7f * Math.max(1f, expected[i])));
            }
            assertThat(sum).as("n=%d", n).isCloseTo(expectedSum, within(1e-6f * Math.max(1f, expectedSum)));
        }
    }

    @Test
    void max() {
        for (int n : SIZES) {
            float[] x = values(n + OFFSET);
            assertThat(VectorOps.max(x, OFFSET, n)).as("n=%d", n).isEqualTo(ScalarOps.max(x, OFFSET, n));
        }
    }

    private float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextFloat() * 4 - 2;
        }
        return v;
    }

    private static float tolerance(int n) {
        return 1e-6f * (n + 1) * 4;
    }

    private static void assertClose(float[] actual, float[] expected, float relative, int n) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("n=%d i=%d", n, i)
                    .isCloseTo(expected[i], within(relative * Math.max(1f, Math.abs(expected[i]))));
        }
    }

    /**
     * The lanes are added in sumLanes' fixed order (halves, then their halves, ...), on the first
     * calls (interpreted, if nothing compiled it yet) and after many (compiled):
     * reduceLanes(ADD) gave a different sum for half of these vectors once C2 had compiled it.
     */
    @Test
    void sumLanesAddsInOneOrderInterpretedOrCompiled() {
        int lanes = SimdSpecies.FLOAT_LANES;
        float[] x = new float[lanes * 500];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * (1 << random.nextInt(20)));
        }
        for (int round = 0; round < 2; round++) {
            for (int v = 0; v < 500; v++) {
                float[] s = java.util.Arrays.copyOfRange(x, v * lanes, (v + 1) * lanes);
                for (int h = lanes / 2; h >= 1; h /= 2) {
                    float[] next = new float[lanes];
                    for (int j = 0; j < lanes; j++) {
                        next[j] = s[j] + s[j ^ h];
                    }
                    s = next;
                }
                float sum = VectorOps.sumLanes(FloatVector.fromArray(SimdSpecies.FLOAT, x, v * lanes));
                assertThat(Float.floatToRawIntBits(sum)).as("round %d vector %d", round, v)
                        .isEqualTo(Float.floatToRawIntBits(s[0]));
                // The GEMV tiles store their accumulators and sum them from the array, in the same order.
                assertThat(Float.floatToRawIntBits(VectorOps.sumLanes(x, v * lanes))).as("stored, round %d vector %d", round, v)
                        .isEqualTo(Float.floatToRawIntBits(s[0]));
            }
            for (int k = 0; k < 200_000; k++) { // enough calls for C2 to compile sumLanes
                VectorOps.sumLanes(FloatVector.fromArray(SimdSpecies.FLOAT, x, (k % 500) * lanes));
                VectorOps.sumLanes(x, (k % 500) * lanes);
            }
        }
    }

    /** Within 2 ulps of Math.exp over the range, and 0, infinity and NaN at the edges. */
    @Test
    void expIsWithinTwoUlpsOfMathExp() {
        int lanes = SimdSpecies.FLOAT_LANES;
        float[] x = new float[lanes * 1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = -87f + 175f * random.nextFloat();
        }
        float[] e = new float[x.length];
        for (int i = 0; i < x.length; i += lanes) {
            VectorOps.exp(FloatVector.fromArray(SimdSpecies.FLOAT, x, i)).intoArray(e, i);
        }
        for (int i = 0; i < x.length; i++) {
            float expected = (float) Math.exp(x[i]);
            assertThat(e[i]).as("e^%s", x[i]).isCloseTo(expected, within(2 * Math.ulp(expected)));
        }
        float[] edges = new float[lanes];
        float[] in = {Float.NaN, Float.NEGATIVE_INFINITY, -200f, 0f, 200f, Float.POSITIVE_INFINITY};
        for (int j = 0; j < lanes; j++) {
            edges[j] = in[j % in.length];
        }
        float[] out = new float[lanes];
        VectorOps.exp(FloatVector.fromArray(SimdSpecies.FLOAT, edges, 0)).intoArray(out, 0);
        for (int j = 0; j < lanes; j++) {
            float expected = Float.isNaN(edges[j]) ? Float.NaN : (float) Math.exp(edges[j]);
            assertThat(Float.floatToIntBits(out[j])).as("e^%s", edges[j]).isEqualTo(Float.floatToIntBits(expected));
        }
    }
}
