package dev.turbo4j.bench;

import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.tensor.Float16;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Random inputs for the benchmarks: values in [-1, 1), so no subnormals, NaNs or overflow. */
final class BenchData {
    private BenchData() {
    }

    /** Fills a weight segment with random values stored as dtype (F32, BF16 or F16). */
    static void fillRandomWeights(MemorySegment w, DType dtype, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long n = w.byteSize() / dtype.byteSize();
        for (long i = 0; i < n; i++) {
            float v = (float) (random.nextDouble() * 2 - 1);
            switch (dtype) {
                case F32 -> w.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
                case BF16 -> w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float16.floatToBf16(v));
                case F16 -> w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float16.floatToF16(v));
                default -> throw new IllegalArgumentException("not a dense weight format: " + dtype);
            }
        }
    }

    static float[] randomFloats(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }
}
